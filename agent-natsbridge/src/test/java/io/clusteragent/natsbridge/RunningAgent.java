package io.clusteragent.natsbridge;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.core.command.StreamClosedException;
import io.clusteragent.natsbridge.connection.NatsSession;
import io.clusteragent.testsupport.TestEnvironment;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * A real agent (core + NATS bridge auto-configurations) in this JVM, connected to the test
 * environment's nats-server, with a few test commands whose work the tests can observe.
 */
final class RunningAgent implements AutoCloseable {

  private final ConfigurableApplicationContext context;

  private RunningAgent(ConfigurableApplicationContext context) {
    this.context = context;
  }

  static RunningAgent start(String natsUrl, String clusterId, Map<String, Object> extra) {
    RunningAgent agent = startWithoutWaiting(natsUrl, clusterId, extra);
    try {
      agent.awaitConnected(Duration.ofSeconds(30));
    } catch (RuntimeException e) {
      agent.close();
      throw e;
    }
    return agent;
  }

  /**
   * Starts the agent without waiting for it to serve commands: for agents that are expected not to
   * connect.
   */
  static RunningAgent startWithoutWaiting(
      String natsUrl, String clusterId, Map<String, Object> extra) {
    Map<String, Object> props = new HashMap<>();
    props.put("agent.platform-signing-keys", TestEnvironment.get().platformPublicKeys());
    if (natsUrl != null) {
      props.put("agent.nats.servers", natsUrl);
      props.put("agent.nats.cluster-id", clusterId);
    }
    props.put("agent.nats.ping-interval", "1s");
    props.put("agent.nats.reconnect-max-delay", "1s");
    props.put("agent.shutdown-grace-period-seconds", "5");
    props.put("KUBECONFIG", "/nonexistent/kubeconfig");
    props.putAll(extra);
    SpringApplication app = new SpringApplication(Config.class);
    app.setWebApplicationType(WebApplicationType.NONE);
    app.setDefaultProperties(props);
    return new RunningAgent(app.run());
  }

  void awaitConnected(Duration timeout) {
    NatsBridge bridge = context.getBean(NatsBridge.class);
    long until = System.nanoTime() + timeout.toNanos();
    while (!bridge.serving()) {
      if (System.nanoTime() > until) {
        throw new IllegalStateException(
            "agent did not connect to NATS: " + context.getBean(NatsSession.class).problem());
      }
      sleep(20);
    }
    // the server has the subscriptions once a flush round trip completes
    try {
      context.getBean(NatsSession.class).connection().flush(Duration.ofSeconds(5));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  <T> T bean(Class<T> type) {
    return context.getBean(type);
  }

  MeterRegistry meters() {
    return context.getBean(MeterRegistry.class);
  }

  double counter(String name, String... tags) {
    var counter = meters().find(name).tags(tags).counter();
    return counter == null ? 0 : counter.count();
  }

  @Override
  public void close() {
    context.close();
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** What the test commands did, per command id. */
  static final class LiveCommands {
    final Map<String, AtomicLong> produced = new ConcurrentHashMap<>();
    final Map<String, AtomicLong> executions = new ConcurrentHashMap<>();
    final Map<String, Boolean> interrupted = new ConcurrentHashMap<>();
  }

  @Configuration
  @EnableAutoConfiguration
  static class Config {

    @Bean
    MeterRegistry meterRegistry() {
      return new SimpleMeterRegistry();
    }

    @Bean
    LiveCommands liveCommands() {
      return new LiveCommands();
    }

    /** Streams numbered lines until {@code count} (0 = forever) or cancellation. */
    @Bean
    CommandHandler counterStream(LiveCommands live) {
      return new CommandHandler() {
        public String type() {
          return "test.counter";
        }

        public JobClass jobClass() {
          return JobClass.PROXY_STREAM;
        }

        public CommandResult handle(CommandContext context, JsonNode payload) throws Exception {
          long count = payload == null ? 0 : payload.path("count").asLong(0);
          int size = payload == null ? 16 : payload.path("bytes").asInt(16);
          AtomicLong produced =
              live.produced.computeIfAbsent(context.commandId(), k -> new AtomicLong());
          for (long i = 1; count == 0 || i <= count; i++) {
            byte[] line =
                String.format("%0" + Math.max(size - 1, 1) + "d\n", i)
                    .getBytes(StandardCharsets.US_ASCII);
            context.stream().send(line);
            produced.incrementAndGet();
          }
          return CommandResult.ok(JsonNodeFactory.instance.objectNode().put("lines", count));
        }
      };
    }

    /** Sends its input back, like a shell's stdin echoed on stdout; ends when the input ends. */
    @Bean
    CommandHandler echoStream() {
      return new CommandHandler() {
        public String type() {
          return "test.echo";
        }

        public JobClass jobClass() {
          return JobClass.PROXY_STREAM;
        }

        public CommandResult handle(CommandContext context, JsonNode payload) throws Exception {
          long bytes = 0;
          byte[] input;
          while ((input = context.stream().receive()) != null) {
            context.stream().send(input);
            bytes += input.length;
          }
          return CommandResult.ok(JsonNodeFactory.instance.objectNode().put("bytes", bytes));
        }
      };
    }

    /** Like a log forwarder: a closed stream means "nobody listens", so it returns normally. */
    @Bean
    CommandHandler swallowingStream() {
      return new CommandHandler() {
        public String type() {
          return "test.swallowing";
        }

        public JobClass jobClass() {
          return JobClass.PROXY_STREAM;
        }

        public CommandResult handle(CommandContext context, JsonNode payload) throws Exception {
          try {
            while (true) {
              context.stream().send("line\n".getBytes(StandardCharsets.US_ASCII));
            }
          } catch (StreamClosedException e) {
            return CommandResult.ok(null);
          }
        }
      };
    }

    @Bean
    CommandHandler sleeper(LiveCommands live) {
      return new CommandHandler() {
        public String type() {
          return "test.sleep";
        }

        public JobClass jobClass() {
          return JobClass.READ;
        }

        public CommandResult handle(CommandContext context, JsonNode payload) throws Exception {
          try {
            Thread.sleep(payload.path("ms").asLong(60_000));
          } catch (InterruptedException e) {
            live.interrupted.put(context.commandId(), true);
            throw e;
          }
          return CommandResult.ok(null);
        }
      };
    }

    @Bean
    CommandHandler once(LiveCommands live) {
      return new CommandHandler() {
        public String type() {
          return "test.once";
        }

        public JobClass jobClass() {
          return JobClass.WRITE;
        }

        public CommandResult handle(CommandContext context, JsonNode payload) {
          live.executions
              .computeIfAbsent(context.commandId(), k -> new AtomicLong())
              .incrementAndGet();
          return CommandResult.ok(null);
        }
      };
    }

    @Bean
    CommandHandler bigReply() {
      return new CommandHandler() {
        public String type() {
          return "test.big";
        }

        public JobClass jobClass() {
          return JobClass.READ;
        }

        public CommandResult handle(CommandContext context, JsonNode payload) {
          return new CommandResult.Raw(
              "application/octet-stream", new byte[payload.path("bytes").asInt()]);
        }
      };
    }
  }
}
