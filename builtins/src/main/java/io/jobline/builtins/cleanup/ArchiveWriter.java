package io.jobline.builtins.cleanup;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jobline.job.JobException;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.bson.Document;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

/**
 * Writes batches of documents as gzip-compressed JSON Lines files (canonical extended JSON, so
 * dates, ids and 64-bit numbers read back with their types), one file per batch, forced to disk,
 * and reads each file back to check that it holds exactly the batch before the caller deletes
 * anything.
 */
final class ArchiveWriter {
  private static final JsonWriterSettings JSON =
      JsonWriterSettings.builder().outputMode(JsonMode.EXTENDED).build();
  private final Path folder;
  private final String prefix;
  private final List<Path> written = new ArrayList<>();

  /**
   * Files go to {@code folder}, named {@code prefix-0001.jsonl.gz}, {@code prefix-0002.jsonl.gz}, …
   */
  ArchiveWriter(Path folder, String prefix) {
    this.folder = folder;
    this.prefix = prefix;
  }

  List<Path> files() {
    return List.copyOf(written);
  }

  /**
   * Writes the batch and verifies the file.
   *
   * @throws JobException if the file cannot be written or does not read back as the batch
   */
  void write(List<Document> batch) {
    Path file = folder.resolve(String.format("%s-%04d.jsonl.gz", prefix, written.size() + 1));
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    try {
      Files.createDirectories(folder);
      try (BufferedWriter out =
          new BufferedWriter(
              new OutputStreamWriter(
                  new GZIPOutputStream(Files.newOutputStream(partial)), StandardCharsets.UTF_8))) {
        for (Document d : batch) {
          out.write(d.toJson(JSON));
          out.newLine();
        }
      }
      try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.WRITE)) {
        channel.force(true); // on disk before the batch is deleted from the database
      }
      try {
        // a rename within the folder, which refuses a file there already (found by review: moved
        // with ATOMIC_MOVE, which may replace one, an archive of the same name was lost)
        Files.move(partial, file);
      } catch (FileAlreadyExistsException e) {
        deleteQuietly(partial);
        throw new JobException(
            "archive file "
                + file
                + " exists already and is left as it is; nothing of this batch was deleted",
            e);
      }
      forceDirectory(folder);
      verify(file, batch);
      written.add(file);
    } catch (IOException | UncheckedIOException e) {
      throw new JobException(
          "archive file "
              + file
              + " could not be written ("
              + e.getMessage()
              + "); nothing of this batch was deleted",
          e);
    }
  }

  private static void deleteQuietly(Path partial) {
    try {
      Files.deleteIfExists(partial);
    } catch (IOException e) {
      // a partial file left behind holds a copy of entries still in the database
    }
  }

  /**
   * Makes the rename durable too; a file system that cannot sync a folder still has the file's data
   * on disk.
   */
  private static void forceDirectory(Path folder) {
    try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      // not every file system lets a folder be opened for syncing
    }
  }

  /**
   * Reads the file back and compares its entries' ids, as JSON, with the batch's. Read as plain
   * JSON: read as MongoDB's extended JSON, an entry holding a field such as {@code {"$date":
   * "yesterday"}} (which MongoDB stores as any other) could not be read back, and the archive
   * stopped at that batch for good while the audit log grew (found by review).
   */
  private static void verify(Path file, List<Document> batch) throws IOException {
    List<JsonNode> ids = new ArrayList<>(batch.size());
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        ids.add(idOf(line));
      }
    }
    List<JsonNode> expected =
        batch.stream().map(d -> idOf(new Document("_id", d.get("_id")).toJson(JSON))).toList();
    if (ids.size() != expected.size() || !Objects.equals(ids, expected)) {
      throw new JobException(
          "archive file "
              + file
              + " holds "
              + ids.size()
              + " entries, expected "
              + expected.size()
              + "; nothing of this batch was deleted");
    }
  }

  /**
   * Reads the lines back: without the limits Jobline's own reader puts on hostile input (an entry
   * MongoDB holds may be nested 100 deep, and extended JSON adds two levels to its values).
   */
  private static final ObjectMapper READER =
      new ObjectMapper(
          JsonFactory.builder()
              .streamReadConstraints(
                  StreamReadConstraints.builder()
                      .maxNestingDepth(1_000)
                      .maxNameLength(Integer.MAX_VALUE)
                      .maxStringLength(Integer.MAX_VALUE)
                      .maxNumberLength(Integer.MAX_VALUE)
                      .build())
              .build());

  /** The {@code _id} of an entry's line, as JSON. */
  private static JsonNode idOf(String line) {
    try {
      return READER.readTree(line).path("_id");
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
