package io.jobline.builtins.cleanup;

import io.jobline.job.JobContext;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a cleanup job returns: documents deleted per collection, the cutoff, and whether it was
 * stopped.
 */
record Deletions(Map<String, Long> deleted, Instant cutoff, boolean stopped) {

  static Builder since(Instant cutoff) {
    return new Builder(cutoff);
  }

  /** The JSON the run records. */
  Map<String, Object> toResult() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("deleted", deleted);
    out.put("total_deleted", deleted.values().stream().mapToLong(Long::longValue).sum());
    if (cutoff != null) {
      out.put("cutoff", cutoff.toString());
    }
    out.put("stopped", stopped);
    return out;
  }

  /** Collects counts collection by collection. */
  static final class Builder {
    private final Instant cutoff;
    private final Map<String, Long> deleted = new LinkedHashMap<>();

    private Builder(Instant cutoff) {
      this.cutoff = cutoff;
    }

    Builder add(String collection, long count) {
      deleted.merge(collection, count, Long::sum);
      return this;
    }

    Map<String, Object> result(JobContext ctx) {
      Deletions d = new Deletions(Map.copyOf(deleted), cutoff, ctx.shouldStop());
      ctx.log("Deleted " + d.deleted() + (d.stopped() ? " before being stopped" : ""));
      return d.toResult();
    }
  }
}
