package io.clusteragent.core.command;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedBulkheadMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * One semaphore bulkhead per job class. No waiting: a full bulkhead refuses at once, so the agent
 * answers "busy" instead of queueing work without bound.
 */
public final class JobBulkheads {

  private final Map<JobClass, Bulkhead> bulkheads = new EnumMap<>(JobClass.class);

  public JobBulkheads(Map<JobClass, Integer> sizes, MeterRegistry meterRegistry) {
    BulkheadRegistry registry = BulkheadRegistry.ofDefaults();
    for (JobClass jobClass : JobClass.values()) {
      Integer size = sizes.get(jobClass);
      if (size == null || size < 1) {
        throw new IllegalArgumentException("bulkhead size for " + jobClass + " must be >= 1");
      }
      BulkheadConfig config =
          BulkheadConfig.custom().maxConcurrentCalls(size).maxWaitDuration(Duration.ZERO).build();
      bulkheads.put(jobClass, registry.bulkhead(jobClass.metricName(), config));
    }
    TaggedBulkheadMetrics.ofBulkheadRegistry(registry).bindTo(meterRegistry);
  }

  public boolean tryAcquire(JobClass jobClass) {
    return bulkheads.get(jobClass).tryAcquirePermission();
  }

  public void release(JobClass jobClass) {
    bulkheads.get(jobClass).onComplete();
  }

  public int available(JobClass jobClass) {
    return bulkheads.get(jobClass).getMetrics().getAvailableConcurrentCalls();
  }

  public int capacity(JobClass jobClass) {
    return bulkheads.get(jobClass).getMetrics().getMaxAllowedConcurrentCalls();
  }
}
