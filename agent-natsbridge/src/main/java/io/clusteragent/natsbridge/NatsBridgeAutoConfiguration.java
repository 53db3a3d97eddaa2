package io.clusteragent.natsbridge;

import io.clusteragent.core.AgentIdentity;
import io.clusteragent.core.command.CommandDispatcher;
import io.clusteragent.core.kubernetes.ClusterFacts;
import io.clusteragent.core.settings.AgentProperties;
import io.clusteragent.natsbridge.builtin.InfoCommand;
import io.clusteragent.natsbridge.builtin.PingCommand;
import io.clusteragent.natsbridge.checkin.PlatformCheckIn;
import io.clusteragent.natsbridge.checkin.PublicIpLookup;
import io.clusteragent.natsbridge.connection.NatsHealth;
import io.clusteragent.natsbridge.connection.NatsSession;
import io.clusteragent.natsbridge.connection.NatsSettings;
import io.clusteragent.natsbridge.stream.LiveStreams;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import tools.jackson.databind.json.JsonMapper;

/** The NATS bridge: connection, check-in, command intake, streams, and the built-in commands. */
@AutoConfiguration(afterName = "io.clusteragent.core.CoreAutoConfiguration")
@EnableConfigurationProperties(NatsSettings.class)
public class NatsBridgeAutoConfiguration {

  private final JsonMapper json = JsonMapper.builder().build();

  @Bean
  NatsSession natsSession(NatsSettings settings, AgentIdentity identity, MeterRegistry meters) {
    return new NatsSession(settings, identity.instanceId(), meters);
  }

  @Bean("nats")
  NatsHealth natsHealth(NatsSession session) {
    return new NatsHealth(session);
  }

  @Bean
  PublicIpLookup publicIpLookup(AgentProperties agent, MeterRegistry meters) {
    return new PublicIpLookup(agent.publicIp(), meters);
  }

  @Bean
  LiveStreams liveStreams(MeterRegistry meters) {
    return new LiveStreams(meters);
  }

  @Bean
  NatsBridge natsBridge(AgentProperties agent, NatsSettings settings, AgentIdentity identity, NatsSession session, PublicIpLookup publicIp,
      ClusterFacts facts, CommandDispatcher dispatcher, LiveStreams streams, MeterRegistry meters, Clock clock) {
    PlatformCheckIn checkIn = new PlatformCheckIn(agent, json, meters, settings.checkinMinBackoff(), settings.checkinMaxBackoff());
    return new NatsBridge(agent, settings, identity, session, checkIn, publicIp, facts, dispatcher, streams, json, meters, clock);
  }

  @Bean
  PingCommand pingCommand(AgentIdentity identity) {
    return new PingCommand(identity);
  }

  @Bean
  InfoCommand infoCommand(AgentIdentity identity, ClusterFacts facts, AgentProperties agent, PublicIpLookup publicIp) {
    return new InfoCommand(identity, facts, agent, publicIp);
  }
}
