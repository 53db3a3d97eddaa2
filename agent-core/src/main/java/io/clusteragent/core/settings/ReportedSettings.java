package io.clusteragent.core.settings;

import java.util.Map;

/**
 * A settings record's contribution to the {@code info} command: the non-secret values that shape
 * behaviour, keyed as the command reports them. Each feature's settings implement it so the command
 * (in agent-natsbridge) can report a feature it must not depend on, such as agent-proxy.
 */
public interface ReportedSettings {

  /** Name → value (numbers, booleans or strings only); never a secret. */
  Map<String, Object> reported();
}
