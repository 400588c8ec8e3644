package io.jobline.embedded;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports to listen on later, picked so that nothing else takes them in between.
 *
 * <p>A port the kernel hands out for {@code new ServerSocket(0)} lies in its ephemeral range, the
 * same range every outgoing connection takes its local port from: a Kafka or store client opening a
 * connection between the pick and the bind can take it (CI once failed so: a broker could not bind
 * the port picked for it a second earlier). So a port comes from just below that range, is checked
 * free by binding it, and is never handed out twice in one JVM (a port is free until its user binds
 * it, so two pickers could otherwise both get it).
 */
public final class FreePorts {
  private static final int SPAN = 12_000;
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
  private static final int[] RANGE = range();

  private FreePorts() {}

  /**
   * A port nothing listens on now, outside the ephemeral range, not handed out before here.
   *
   * @throws EmbeddedInfraException when none is found in 500 tries
   */
  public static int take() {
    for (int tries = 0; tries < 500; tries++) {
      int port = ThreadLocalRandom.current().nextInt(RANGE[0], RANGE[1]);
      if (HANDED_OUT.contains(port) || !free(port)) {
        continue;
      }
      if (HANDED_OUT.add(port)) {
        return port;
      }
    }
    throw new EmbeddedInfraException(
        "no free port between " + RANGE[0] + " and " + RANGE[1] + " after 500 tries", null);
  }

  /** The ports {@link #take} picks from: [first, last). */
  public static int[] range() {
    int ephemeralLow = ephemeralLow();
    int high = Math.max(1024 + SPAN, ephemeralLow);
    return new int[] {high - SPAN, high};
  }

  private static boolean free(int port) {
    try (ServerSocket socket = new ServerSocket(port)) {
      socket.setReuseAddress(true);
      return true;
    } catch (IOException taken) {
      return false;
    }
  }

  /** Linux's first ephemeral port (32768 by default, and where it cannot be read). */
  private static int ephemeralLow() {
    Path file = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    try {
      // readAllLines, not readString: on this JDK readString of a /proc file returns its first
      // character only (the file reports a size of 0)
      String[] parts = Files.readAllLines(file).get(0).trim().split("\\s+");
      return Integer.parseInt(parts[0]);
    } catch (IOException | RuntimeException unreadable) {
      return 32_768;
    }
  }
}
