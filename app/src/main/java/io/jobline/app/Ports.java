package io.jobline.app;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Checks, before anything starts, that the ports a command listens on are free. */
final class Ports {
  private Ports() {}

  /**
   * @param what what listens there and the flag that moves it, e.g. "the API (--port)"
   * @throws CliFailure naming the port, what needs it and how to move it, when something holds it
   */
  static void mustBeFree(int port, String what, String flag) {
    if (port == 0) {
      return; // a free one is picked
    }
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    } catch (IOException e) {
      throw new CliFailure(
          ExitCode.UNAVAILABLE,
          "port "
              + port
              + " for "
              + what
              + " is in use ("
              + CliFailure.reason(e)
              + ") — stop what listens there (`ss -ltnp 'sport = :"
              + port
              + "'` shows it; another standalone?) or pick "
              + "another with "
              + flag);
    }
  }
}
