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

/**
 * One process at a time on a data folder: the Kafka log and the store file cannot be shared, and
 * finding out from them costs a broker's failed start and its stack trace. Held until closed (or
 * the process ends).
 */
final class DataDirLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * @throws CliFailure naming the folder and the process that holds it, when another one does
   */
  static DataDirLock take(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve(".jobline.lock");
    FileChannel channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held in this JVM already
    }
    if (lock == null) {
      String holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
      channel.close();
      throw new CliFailure(
          ExitCode.UNAVAILABLE,
          "the data folder "
              + dir
              + " is in use"
              + (holder.isEmpty() ? "" : " by process " + holder)
              + " (another standalone or infra?) — stop it, "
              + "or give this one another --data-dir (or --in-memory)");
    }
    channel.truncate(0);
    channel.write(
        ByteBuffer.wrap(
            Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)));
    return new DataDirLock(channel, lock);
  }

  @Override
  public void close() throws IOException {
    lock.release();
    channel.close();
  }
}
