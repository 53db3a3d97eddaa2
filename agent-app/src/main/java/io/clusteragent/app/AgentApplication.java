package io.clusteragent.app;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import sun.misc.Signal;

/** The agent process. Feature modules arrive through their auto-configurations. */
@SpringBootApplication
public class AgentApplication {

  public static void main(String[] args) {
    // Kubernetes stops pods with SIGTERM. The JVM's default would exit 143 after the shutdown
    // hooks;
    // a planned stop that drained cleanly is a success, so exit 0 (the hooks still run first).
    Signal.handle(new Signal("TERM"), signal -> System.exit(0));
    SpringApplication.run(AgentApplication.class, args);
  }
}
