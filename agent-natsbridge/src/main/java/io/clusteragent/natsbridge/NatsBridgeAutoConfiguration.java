package io.clusteragent.natsbridge;

import io.clusteragent.core.AgentIdentity;
import io.clusteragent.core.background.PeriodicTasks;
import io.clusteragent.core.command.CommandDispatcher;
import io.clusteragent.core.events.DeploymentEvents;
import io.clusteragent.core.kubernetes.ClusterFacts;
import io.clusteragent.core.settings.ReportedSettings;
import io.clusteragent.natsbridge.builtin.InfoCommand;
import io.clusteragent.natsbridge.builtin.PingCommand;
import io.clusteragent.natsbridge.checkin.Heartbeats;
import io.clusteragent.natsbridge.checkin.PlatformCheckIn;
import io.clusteragent.natsbridge.checkin.PublicIpLookup;
import io.clusteragent.natsbridge.connection.NatsHealth;
import io.clusteragent.natsbridge.connection.NatsSession;
import io.clusteragent.natsbridge.connection.NatsSettings;
import io.clusteragent.natsbridge.control.ControlChannel;
import io.clusteragent.natsbridge.intake.CommandSubscription;
import io.clusteragent.natsbridge.intake.EnvelopeDecoder;
import io.clusteragent.natsbridge.intake.Replies;
import io.clusteragent.natsbridge.stream.InputChannel;
import io.clusteragent.natsbridge.stream.LiveStreams;
import io.clusteragent.natsbridge.stream.OutageHold;
import io.clusteragent.natsbridge.stream.StreamLauncher;
import io.clusteragent.natsbridge.trust.MessageTrust;
import io.clusteragent.natsbridge.trust.ReplayGuard;
import io.clusteragent.natsbridge.trust.SigningSettings;
import io.clusteragent.natsbridge.trust.TrustedKeys;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.List;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import tools.jackson.databind.json.JsonMapper;

/** The NATS bridge: connection, check-in, command intake, streams, and the built-in commands. */
@AutoConfiguration(afterName = "io.clusteragent.core.CoreAutoConfiguration")
@EnableConfigurationProperties({BridgeSettings.class, NatsSettings.class, SigningSettings.class})
public class NatsBridgeAutoConfiguration {

  /** Command ids remembered against replay; at ~100 bytes each a few MiB at most. */
  private static final int REPLAY_MEMORY = 50_000;

  private final JsonMapper json = JsonMapper.builder().build();

  @Bean
  NatsSession natsSession(
      NatsSettings settings,
      AgentIdentity identity,
      DeploymentEvents events,
      MeterRegistry meters) {
    return new NatsSession(settings, identity.instanceId(), events, meters);
  }

  @Bean("nats")
  NatsHealth natsHealth(NatsSession session) {
    return new NatsHealth(session);
  }

  @Bean
  PublicIpLookup publicIpLookup(BridgeSettings agent, MeterRegistry meters) {
    return new PublicIpLookup(agent.publicIp(), meters);
  }

  @Bean
  LiveStreams liveStreams(MeterRegistry meters) {
    return new LiveStreams(meters);
  }

  @Bean
  OutageHold outageHold(LiveStreams streams, NatsSession session) {
    return new OutageHold(streams, session);
  }

  @Bean
  Replies replies(NatsSession session, AgentIdentity identity, MeterRegistry meters) {
    return new Replies(session, json, identity, meters);
  }

  @Bean
  StreamLauncher streamLauncher(
      NatsSession session,
      NatsSettings settings,
      AgentIdentity identity,
      CommandDispatcher dispatcher,
      LiveStreams streams,
      OutageHold outages,
      Replies replies,
      MeterRegistry meters) {
    return new StreamLauncher(
        session, settings, identity, dispatcher, streams, outages, replies, meters);
  }

  @Bean
  CommandSubscription commandSubscription(
      NatsSession session,
      NatsSettings settings,
      BridgeSettings bridge,
      CommandDispatcher dispatcher,
      StreamLauncher streams,
      Replies replies,
      MessageTrust trust,
      MeterRegistry meters,
      Clock clock) {
    return new CommandSubscription(
        session,
        settings,
        bridge.natsWorkerMaxWorkers(),
        new EnvelopeDecoder(json, clock),
        dispatcher,
        streams,
        replies,
        trust,
        meters);
  }

  @Bean
  ControlChannel controlChannel(
      NatsSession session,
      NatsSettings settings,
      AgentIdentity identity,
      LiveStreams streams,
      CommandDispatcher dispatcher,
      MessageTrust trust,
      MeterRegistry meters) {
    return new ControlChannel(
        session, settings, identity.instanceId(), streams, dispatcher, json, trust, meters);
  }

  @Bean
  TrustedKeys trustedKeys(SigningSettings settings, Clock clock) {
    return new TrustedKeys(settings, clock);
  }

  @Bean
  MessageTrust messageTrust(
      TrustedKeys keys, SigningSettings settings, Clock clock, MeterRegistry meters) {
    return new MessageTrust(keys, new ReplayGuard(REPLAY_MEMORY, clock), settings, clock, meters);
  }

  @Bean
  PlatformCheckIn platformCheckIn(
      BridgeSettings bridge, NatsSettings settings, DeploymentEvents events, MeterRegistry meters) {
    return new PlatformCheckIn(
        bridge, json, events, meters, settings.checkinMinBackoff(), settings.checkinMaxBackoff());
  }

  @Bean
  Heartbeats heartbeats(
      NatsSession session,
      AgentIdentity identity,
      ClusterFacts facts,
      PublicIpLookup publicIp,
      Clock clock) {
    return new Heartbeats(session, identity, facts, publicIp, json, clock);
  }

  @Bean
  BridgeSchedule bridgeSchedule(
      PeriodicTasks tasks,
      NatsSettings settings,
      Heartbeats heartbeats,
      NatsSession session,
      ControlChannel control,
      LiveStreams streams,
      OutageHold outages,
      PublicIpLookup publicIp) {
    return new BridgeSchedule(
        tasks, settings, heartbeats, session, control, streams, outages, publicIp);
  }

  @Bean
  InputChannel inputChannel(
      NatsSession session,
      AgentIdentity identity,
      LiveStreams streams,
      MessageTrust trust,
      MeterRegistry meters) {
    return new InputChannel(session, identity.instanceId(), streams, trust, meters);
  }

  @Bean
  NatsBridge natsBridge(
      NatsSettings settings,
      PlatformCheckIn checkIn,
      Heartbeats heartbeats,
      NatsSession session,
      ControlChannel control,
      InputChannel input,
      CommandSubscription commands,
      TrustedKeys keys,
      MeterRegistry meters) {
    return new NatsBridge(
        settings, checkIn, heartbeats, session, control, input, commands, keys, meters);
  }

  @Bean
  PingCommand pingCommand(AgentIdentity identity) {
    return new PingCommand(identity);
  }

  @Bean
  InfoCommand infoCommand(
      AgentIdentity identity,
      ClusterFacts facts,
      List<ReportedSettings> settings,
      PublicIpLookup publicIp) {
    return new InfoCommand(identity, facts, settings, publicIp);
  }
}
