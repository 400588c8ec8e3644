package io.jobline.history;

import io.jobline.run.JobStats;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * {@link JobStats} in a compact binary form for history's state store: a thousand durations as JSON
 * took most of history's time (number formatting and parsing), as raw longs and doubles they do
 * not.
 */
final class JobStatsSerde implements Serde<JobStats> {
  private static final byte VERSION = 1;

  @Override
  public Serializer<JobStats> serializer() {
    return (topic, s) -> s == null ? null : write(s);
  }

  @Override
  public Deserializer<JobStats> deserializer() {
    return (topic, bytes) -> bytes == null ? null : read(bytes);
  }

  static byte[] write(JobStats s) {
    try {
      ByteArrayOutputStream bytes =
          new ByteArrayOutputStream(64 + (s.durations() == null ? 0 : s.durations().size() * 16));
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(VERSION);
      text(out, s.jobName());
      text(out, s.tenantId());
      Map<String, Long> counts = s.counts() == null ? Map.of() : s.counts();
      out.writeInt(counts.size());
      for (Map.Entry<String, Long> c : counts.entrySet()) {
        text(out, c.getKey());
        out.writeLong(c.getValue());
      }
      List<JobStats.Timed> durations = s.durations() == null ? List.of() : s.durations();
      out.writeInt(durations.size());
      for (JobStats.Timed t : durations) {
        out.writeLong(t.endedAt());
        out.writeDouble(t.seconds());
      }
      out.writeBoolean(s.maxDurationSeconds() != null);
      out.writeDouble(s.maxDurationSeconds() == null ? 0 : s.maxDurationSeconds());
      instant(out, s.lastRunAt());
      out.writeBoolean(s.lastFailure() != null);
      if (s.lastFailure() != null) {
        text(out, s.lastFailure().runId());
        instant(out, s.lastFailure().at());
        text(out, s.lastFailure().error());
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JobStats read(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      if (in.readByte() != VERSION) {
        throw new IllegalStateException("unknown statistics format");
      }
      String job = text(in);
      String tenant = text(in);
      int n = in.readInt();
      Map<String, Long> counts = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        counts.put(text(in), in.readLong());
      }
      int d = in.readInt();
      List<JobStats.Timed> durations = new ArrayList<>(d);
      for (int i = 0; i < d; i++) {
        durations.add(new JobStats.Timed(in.readLong(), in.readDouble()));
      }
      boolean hasMax = in.readBoolean();
      double max = in.readDouble();
      Instant last = instant(in);
      JobStats.Failure failure =
          in.readBoolean() ? new JobStats.Failure(text(in), instant(in), text(in)) : null;
      return new JobStats(job, tenant, counts, durations, hasMax ? max : null, last, failure);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void text(DataOutputStream out, String s) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String text(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    byte[] b = in.readNBytes(n);
    return new String(b, StandardCharsets.UTF_8);
  }

  private static void instant(DataOutputStream out, Instant t) throws IOException {
    out.writeBoolean(t != null);
    out.writeLong(t == null ? 0 : t.getEpochSecond());
    out.writeInt(t == null ? 0 : t.getNano());
  }

  private static Instant instant(DataInputStream in) throws IOException {
    boolean present = in.readBoolean();
    long seconds = in.readLong();
    int nanos = in.readInt();
    return present ? Instant.ofEpochSecond(seconds, nanos) : null;
  }
}
