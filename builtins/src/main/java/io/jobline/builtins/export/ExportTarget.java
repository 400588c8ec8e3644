package io.jobline.builtins.export;

import java.util.List;

/** Where exported rows go: a table per resource, upserted by {@link Column#KEY}. */
public interface ExportTarget extends AutoCloseable {
  /**
   * Creates the table if absent (with the given columns), adds columns it lacks, and upserts the
   * rows keyed by {@code _id}, so writing the same rows again changes nothing.
   *
   * @throws Exception if the target refused the batch; nothing is assumed written then
   */
  void upsert(String table, List<Column> columns, List<Row> rows) throws Exception;

  @Override
  void close();
}
