package io.jobline.builtins.export;

import java.util.List;

/** Where exported rows go: a table per resource, upserted by {@link Column#KEY}. */
public interface ExportTarget extends AutoCloseable {
  /**
   * Creates the table if absent (with the given columns), adds columns it lacks, and upserts the
   * rows keyed by {@code _id}, so writing the same rows again changes nothing.
   *
   * @return the columns written, typed as the table has them (an earlier export may have made a
   *     column of another type than {@code columns} says)
   * @throws Exception if the target refused the batch; nothing is assumed written then
   */
  List<Column> upsert(String table, List<Column> columns, List<Row> rows) throws Exception;

  /**
   * Deletes the rows of these document ids (documents deleted at the source since an earlier
   * export); nothing when the table does not exist.
   *
   * @throws Exception if the target refused
   */
  void delete(String table, List<String> ids) throws Exception;

  /**
   * Deletes the rows of the pass's tenant and resource that the pass did not write (their {@link
   * Column#PASS} is another, or none): at the end of a whole pass they are the rows of documents
   * deleted at the source since an earlier one. Nothing when the table, or the export's own
   * columns, do not exist.
   *
   * @return how many rows went, or -1 if the target does not say
   * @throws Exception if the target refused
   */
  long deleteNotWrittenBy(String table, Pass pass) throws Exception;

  /**
   * Whether this target takes column names without regard to case, as SQL Server and BigQuery do: a
   * batch then names each column in one spelling only ({@link CaseFold}), and {@link #upsert}
   * writes it in the spelling the table has.
   */
  default boolean namesIgnoreCase() {
    return false;
  }

  /**
   * Whether the target still answers, asked after a write failed: a batch it refused (bad data)
   * leaves the export going on, a target gone (its connection broken, the service down) fails the
   * run, which is retried and goes on from where the pass got to.
   */
  default boolean reachable() {
    return true;
  }

  @Override
  void close();
}
