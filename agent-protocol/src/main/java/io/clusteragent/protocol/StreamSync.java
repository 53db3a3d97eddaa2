package io.clusteragent.protocol;

import java.util.List;

/** What each replica publishes on {@link Subjects#streams()}: the ids of the streams it serves. */
public record StreamSync(String instance, List<String> streams) {}
