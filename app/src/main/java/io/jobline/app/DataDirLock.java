package io.jobline.app;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/**
 * One process at a time on a data folder: the Kafka log and the store file cannot be shared, and
 * finding out from them costs a broker's failed start and its stack trace. Held until closed (or
 * the process ends).
 */
final class DataDirLock implements AutoCloseable {
  /**
   * The lock files this process holds. A second take of one is refused from here, before any
   * channel is opened: closing any channel on a file gives up every lock the process holds on it,
   * so a refused take that opened one let another process in (found by review).
   */
  private static final Set<Path> HELD = new HashSet<>();

  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(Path file, FileChannel channel, FileLock lock) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * @throws CliFailure naming the folder and the process that holds it, when another one does
   */
  static DataDirLock take(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.toRealPath().resolve(".jobline.lock");
    synchronized (HELD) {
      if (HELD.contains(file)) {
        throw inUse(dir, Long.toString(ProcessHandle.current().pid()));
      }
      FileChannel channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        // (held in this process by something else: left open, as closing it would give that up)
        throw inUse(dir, Long.toString(ProcessHandle.current().pid()));
      } catch (IOException e) {
        channel.close();
        throw e;
      }
      if (lock == null) {
        String holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
        channel.close();
        throw inUse(dir, holder);
      }
      try {
        channel.truncate(0);
        channel.write(
            ByteBuffer.wrap(
                Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)));
      } catch (IOException e) {
        // (found by review: the lock stayed held, unknown here, and every later take said this
        // process held it)
        lock.release();
        channel.close();
        throw e;
      }
      HELD.add(file);
      return new DataDirLock(file, channel, lock);
    }
  }

  private static CliFailure inUse(Path dir, String holder) {
    return new CliFailure(
        ExitCode.UNAVAILABLE,
        "the data folder "
            + dir
            + " is in use"
            + (holder.isEmpty() ? "" : " by process " + holder)
            + " (another standalone or infra?) — stop it, "
            + "or give this one another --data-dir (or --in-memory)");
  }

  @Override
  public void close() throws IOException {
    synchronized (HELD) {
      try {
        lock.release();
        channel.close();
      } finally {
        HELD.remove(file);
      }
    }
  }
}
