package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.jobline.embedded.FreePorts;
import io.jobline.wire.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user sees when a command cannot do its job: one line saying what was tried, what failed
 * and what to do (the stack trace only with --verbose), and the documented exit code.
 */
class CliFailuresTest {
  private static final String NO_API =
      " (connection refused) — start `./jobline standalone`, or point --api-url or "
          + "JOBLINE_API_URL at a running one";

  @Test
  void everyClientCommandWithNoApiToTalkToSaysWhereItLookedInOneLineAndExitsWithThree()
      throws Exception {
    String nowhere = "http://127.0.0.1:" + FreePorts.take();
    String[][] commands = {
      {"runs", "list", "--api-url", nowhere},
      {"runs", "show", "some-run", "--api-url", nowhere},
      {"runs", "follow", "some-run", "--api-url", nowhere},
      {"schedules", "list", "--api-url", nowhere},
      {"chains", "runs", "--api-url", nowhere},
      {"run", "noop", "--submit", "--api-url", nowhere}
    };
    for (String[] command : commands) {
      CliTest.Outcome o = CliTest.jobline(command);

      assertThat(o.code()).as(String.join(" ", command)).isEqualTo(ExitCode.UNAVAILABLE);
      assertThat(o.err().lines())
          .as(String.join(" ", command))
          .containsExactly("jobline: no Jobline API at " + nowhere + NO_API);
    }
  }

  @Test
  void verboseAddsTheStackTraceWhereverItIsGiven() throws Exception {
    String nowhere = "http://127.0.0.1:" + FreePorts.take();

    CliTest.Outcome after = CliTest.jobline("runs", "list", "--api-url", nowhere, "--verbose");
    CliTest.Outcome before = CliTest.jobline("--verbose", "runs", "list", "--api-url", nowhere);

    for (CliTest.Outcome o : new CliTest.Outcome[] {after, before}) {
      assertThat(o.code()).isEqualTo(ExitCode.UNAVAILABLE);
      assertThat(o.err())
          .startsWith("jobline: no Jobline API at " + nowhere)
          .contains("java.net.ConnectException")
          .contains("at io.jobline.app.ApiClient");
    }
  }

  @Test
  void aRefusedTokenSaysHowToGiveOneAndExitsWithOne() {
    String api = SharedStandalone.get().apiUrl();

    CliTest.Outcome o = CliTest.jobline("runs", "list", "--api-url", api, "--token", "wrong");

    assertThat(o.code()).isEqualTo(ExitCode.FAILED);
    assertThat(o.err().lines()).hasSize(1);
    assertThat(o.err())
        .startsWith("jobline: GET /jobs/runs?limit=20 at " + api + " was refused (401")
        .contains("pass --token or set JOBLINE_TOKEN");
  }

  @Test
  void somethingElseListeningAtTheAddressIsNamedAsNotAJoblineApi() throws Exception {
    HttpServer other =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    other.createContext(
        "/",
        exchange -> {
          byte[] page = "<html>a web page</html>".getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "text/html");
          exchange.sendResponseHeaders(200, page.length);
          exchange.getResponseBody().write(page);
          exchange.close();
        });
    other.start();
    try {
      String url = "http://127.0.0.1:" + other.getAddress().getPort();

      CliTest.Outcome o = CliTest.jobline("schedules", "list", "--api-url", url);

      assertThat(o.code()).isEqualTo(ExitCode.UNAVAILABLE);
      assertThat(o.err().lines())
          .containsExactly(
              "jobline: "
                  + url
                  + " answered GET /jobs/schedules with 200 and a body "
                  + "that is not JSON (text/html) — is that a Jobline API? Point --api-url or JOBLINE_API_URL at one");
    } finally {
      other.stop(0);
    }
  }

  @Test
  void anAddressThatIsNotAUrlIsBadInput() {
    CliTest.Outcome o = CliTest.jobline("runs", "list", "--api-url", "localhost:5001");

    assertThat(o.code()).isEqualTo(ExitCode.INVALID);
    assertThat(o.err().lines())
        .containsExactly(
            "jobline: the API address 'localhost:5001' is not an http(s) URL — "
                + "give --api-url or JOBLINE_API_URL like http://localhost:5001");
  }

  @Test
  void anUnknownCommandOrOptionIsOneLineThatSaysWhereTheUsageIs() {
    CliTest.Outcome command = CliTest.jobline("lsit");
    CliTest.Outcome option = CliTest.jobline("runs", "list", "--nope");
    CliTest.Outcome typo = CliTest.jobline("runs", "list", "--jsno");

    assertThat(command.code()).isEqualTo(ExitCode.INVALID);
    assertThat(command.err().lines())
        .containsExactly(
            "jobline: Unmatched argument at index 0: 'lsit' (did you mean list?) — `jobline help` shows the usage");
    assertThat(option.code()).isEqualTo(ExitCode.INVALID);
    assertThat(option.err().lines())
        .containsExactly(
            "jobline runs list: Unknown option: '--nope' — `jobline runs list --help` shows the usage");
    assertThat(typo.err().lines())
        .containsExactly(
            "jobline runs list: Unknown option: '--jsno' (did you mean --json?) — `jobline runs list --help` shows the usage");
  }

  @Test
  void helpListsTheCommandsAndHelpWithACommandIsItsUsage() {
    CliTest.Outcome help = CliTest.jobline("help");
    CliTest.Outcome helpRun = CliTest.jobline("help", "run");
    CliTest.Outcome runHelp = CliTest.jobline("run", "--help");

    assertThat(help.code()).isZero();
    assertThat(help.out())
        .contains("Usage: jobline")
        .contains("standalone")
        .contains("schedules")
        .contains("Exit codes");
    assertThat(helpRun.code()).isZero();
    assertThat(helpRun.out()).startsWith("Usage: jobline run").isEqualTo(runHelp.out());
    assertThat(CliTest.jobline("runs", "help", "follow").out())
        .startsWith("Usage: jobline runs follow");
    // found by review: picocli read the ${ENV_VAR} of these descriptions as its own variable, and
    // the help said "(null substitution applies)"
    for (String command : List.of("standalone", "history", "api")) {
      assertThat(CliTest.jobline(command, "--help").out())
          .as(command)
          .contains("${ENV_VAR}")
          .doesNotContain("null substitut");
    }
  }

  @Test
  void standaloneOnADataFolderInUseSaysSoBeforeStartingAnything(@TempDir Path dir)
      throws Exception {
    try (DataDirLock held = DataDirLock.take(dir)) {
      CliTest.Outcome o =
          CliTest.jobline(
              "standalone",
              "--data-dir",
              dir.toString(),
              "--port",
              "0",
              "--kafka-port",
              "0",
              "--mongo-port",
              "0");

      assertThat(o.code()).isEqualTo(ExitCode.UNAVAILABLE);
      assertThat(o.err().lines())
          .containsExactly(
              "jobline: the data folder "
                  + dir.toAbsolutePath()
                  + " is in use by process "
                  + ProcessHandle.current().pid()
                  + " (another standalone or infra?) — stop it, or give this one another "
                  + "--data-dir (or --in-memory)");
    }
  }

  @Test
  void aConfigFileThatIsNotThereIsBadInputNamingIt() {
    CliTest.Outcome o = CliTest.jobline("run", "noop", "--config", "/no/such/jobline.yml");

    assertThat(o.code()).isEqualTo(ExitCode.INVALID);
    assertThat(o.err().lines())
        .containsExactly("jobline run: File /no/such/jobline.yml not found — check the path");
  }

  @Test
  void badParamsForAChainAreBadInputAsForARun() {
    // found by review: exit 1 with a JsonParseException where `run` exits 2 saying what is wrong
    CliTest.Outcome o =
        CliTest.jobline("chains", "run", "nightly", "--params", "{bad", "--api-url", "http://x");

    assertThat(o.code()).isEqualTo(ExitCode.INVALID);
    assertThat(o.err()).startsWith("jobline: --params is not valid JSON: ");
    assertThat(o.err().lines()).hasSize(1);
  }

  @Test
  void idsAndNamesAreSentEncodedNotBlamedOnTheApiAddress() throws Exception {
    // found by review: `runs show "order 42"` said the --api-url was not a URL
    List<String> asked = new CopyOnWriteArrayList<>();
    HttpServer api =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    api.createContext(
        "/",
        exchange -> {
          asked.add(
              exchange.getRequestURI().getRawPath() + "?" + exchange.getRequestURI().getRawQuery());
          byte[] page =
              "{\"title\":\"Not Found\",\"detail\":\"no such run\"}"
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/problem+json");
          exchange.sendResponseHeaders(404, page.length);
          exchange.getResponseBody().write(page);
          exchange.close();
        });
    api.start();
    try {
      String url = "http://127.0.0.1:" + api.getAddress().getPort();

      CliTest.Outcome show = CliTest.jobline("runs", "show", "order 42", "--api-url", url);
      CliTest.Outcome runs =
          CliTest.jobline("chains", "runs", "--chain", "a&b c", "--api-url", url);

      assertThat(show.code()).isEqualTo(ExitCode.INVALID);
      assertThat(show.err()).contains("no such run").doesNotContain("API address");
      assertThat(runs.code()).isEqualTo(ExitCode.INVALID);
      assertThat(asked)
          .containsExactly(
              "/jobs/runs/order%2042?null", "/jobs/chain-runs?limit=50&chain=a%26b%20c");
    } finally {
      api.stop(0);
    }
  }

  @Test
  void followResumesAStreamThatClosedBeforeTheRunEndedAndEndsWithItsOutcome() throws Exception {
    // found by review: a stream closed without an end event (the api caps them at 6 h, a restart
    // closes them) ended `runs follow` with "unknown" and exit 1
    List<String> resumedAfter = new CopyOnWriteArrayList<>();
    HttpServer api =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    api.createContext(
        "/jobs/runs/r1/stream",
        exchange -> {
          String last = exchange.getRequestHeaders().getFirst("Last-Event-ID");
          resumedAfter.add(String.valueOf(last));
          String frames =
              last == null
                  ? "retry: 2000\n\nid: 7\nevent: log\n"
                      + "data: {\"level\":\"info\",\"message\":\"half way\"}\n\n"
                  : "id: 8\nevent: end\ndata: {\"status\":\"completed\"}\n\n";
          byte[] body = frames.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
          exchange.sendResponseHeaders(200, 0);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    api.start();
    try {
      String url = "http://127.0.0.1:" + api.getAddress().getPort();

      CliTest.Outcome o = CliTest.jobline("runs", "follow", "r1", "--api-url", url);

      assertThat(o.code()).as(o.err()).isEqualTo(ExitCode.OK);
      assertThat(o.err()).contains("half way").endsWith("r1: completed" + System.lineSeparator());
      assertThat(resumedAfter).containsExactly("null", "7");
    } finally {
      api.stop(0);
    }
  }

  @Test
  void followResumingAtTheEndOfARunThatEndedIsAnsweredNoContentAndEndsWithItsOutcome()
      throws Exception {
    // the api answers 204 to a stream resumed at the end of an ended run (nothing more will come):
    // the stream closed after the run's last status and before its end event
    List<String> resumedAfter = new CopyOnWriteArrayList<>();
    HttpServer api =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    api.createContext(
        "/jobs/runs/r1/stream",
        exchange -> {
          String last = exchange.getRequestHeaders().getFirst("Last-Event-ID");
          resumedAfter.add(String.valueOf(last));
          if (last != null) {
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
            return;
          }
          byte[] body =
              "retry: 2000\n\nid: 0:timed_out\nevent: status\ndata: {\"status\":\"timed_out\"}\n\n"
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
          exchange.sendResponseHeaders(200, 0);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    api.start();
    try {
      String url = "http://127.0.0.1:" + api.getAddress().getPort();

      CliTest.Outcome o = CliTest.jobline("runs", "follow", "r1", "--api-url", url);

      assertThat(o.code()).as(o.err()).isEqualTo(RunCommand.TIMED_OUT);
      assertThat(o.err()).endsWith("r1: timed_out" + System.lineSeparator());
      assertThat(resumedAfter).containsExactly("null", "0:timed_out");
    } finally {
      api.stop(0);
    }
  }

  @Test
  void runsLogsPrintsEveryPageOfTheLinesKept() throws Exception {
    // found by review: only the first page (500 of up to 1,000 kept lines) was printed, unsaid
    List<String> asked = new CopyOnWriteArrayList<>();
    HttpServer api =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    api.createContext(
        "/jobs/runs/",
        exchange -> {
          String query = exchange.getRequestURI().getRawQuery();
          asked.add(exchange.getRequestURI().getRawPath() + "?" + query);
          int offset =
              query.contains("offset=") ? Integer.parseInt(query.replaceAll(".*offset=", "")) : 0;
          String line =
              "{\"timestamp\":\"2026-12-06T12:00:0%dZ\",\"level\":\"info\",\"message\":\"line %d\"}";
          String body =
              "{\"run_id\":\"order 42\",\"total\":5,\"logs_truncated\":false,\"logs\":["
                  + (offset < 4
                      ? String.format(line, offset, offset)
                          + ","
                          + String.format(line, offset + 1, offset + 1)
                      : String.format(line, offset, offset))
                  + "],\"next_offset\":"
                  + (offset < 4 ? offset + 2 : "null")
                  + "}";
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, bytes.length);
          exchange.getResponseBody().write(bytes);
          exchange.close();
        });
    api.start();
    try {
      String url = "http://127.0.0.1:" + api.getAddress().getPort();

      CliTest.Outcome o = CliTest.jobline("runs", "logs", "order 42", "--api-url", url);

      assertThat(o.code()).as(o.err()).isEqualTo(ExitCode.OK);
      assertThat(o.out().lines().map(l -> l.replaceAll(".* ", "")))
          .containsExactly("0", "1", "2", "3", "4");
      String logs = "/jobs/runs/order%2042/logs?limit=500";
      assertThat(asked).containsExactly(logs, logs + "&offset=2", logs + "&offset=4");

      CliTest.Outcome json =
          CliTest.jobline("runs", "logs", "order 42", "--api-url", url, "--json");
      assertThat(Json.mapper().readTree(json.out()).path("logs").size()).isEqualTo(5);
    } finally {
      api.stop(0);
    }
  }

  @Test
  void submitShowsTheRunsProgressPastTheLinesKept() throws Exception {
    // found by review: only the kept log lines were shown, so past history's cap the progress
    // stood still until the end
    AtomicInteger polls = new AtomicInteger();
    HttpServer api =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    api.createContext("/jobs/run/noop", exchange -> answer(exchange, 202, "{\"run_id\":\"r1\"}"));
    api.createContext(
        "/jobs/runs/r1",
        exchange -> {
          int poll = polls.incrementAndGet();
          String line =
              "{\"timestamp\":\"2026-12-06T12:00:00Z\",\"level\":\"info\","
                  + "\"message\":\"started\",\"percentage\":0}";
          answer(
              exchange,
              200,
              poll == 1
                  ? "{\"status\":\"running\",\"logs\":["
                      + line
                      + "],\"progress\":0,"
                      + "\"progress_message\":\"started\",\"logs_truncated\":false}"
                  : poll == 2
                      ? "{\"status\":\"running\",\"logs\":["
                          + line
                          + "],\"progress\":60,"
                          + "\"progress_message\":\"row 600\",\"logs_truncated\":true}"
                      : "{\"status\":\"completed\",\"logs\":["
                          + line
                          + "],\"progress\":100,"
                          + "\"progress_message\":\"done\",\"logs_truncated\":true}");
        });
    api.start();
    try {
      String url = "http://127.0.0.1:" + api.getAddress().getPort();

      CliTest.Outcome o = CliTest.jobline("run", "noop", "--submit", "--api-url", url);

      assertThat(o.code()).as(o.err()).isEqualTo(ExitCode.OK);
      assertThat(o.err())
          .contains("started (0%)")
          .contains("row 600 (60%)")
          .contains("done (100%)");
      assertThat(o.err().lines().filter(l -> l.contains("started"))).hasSize(1);
    } finally {
      api.stop(0);
    }
  }

  private static void answer(HttpExchange exchange, int status, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  @Test
  void aCronCountOutsideWhatThePreviewGivesIsBadInput() {
    // found by review: 0 and -1 were taken, and 100000000 died with OutOfMemoryError
    for (String count : List.of("0", "-1", "100000000")) {
      CliTest.Outcome o = CliTest.jobline("cron", "0 9 * * *", "--count", count);

      assertThat(o.code()).as(count).isEqualTo(ExitCode.INVALID);
      assertThat(o.err().lines())
          .as(count)
          .containsExactly("jobline: --count must be from 1 to 1000");
    }
    assertThat(CliTest.jobline("cron", "0 9 * * *", "--count", "1000").code()).isZero();
  }

  @Test
  void aTimeoutThatIsNotPositiveIsBadInputHereAsWithSubmit() {
    for (String timeout : List.of("0", "-5")) {
      CliTest.Outcome o = CliTest.jobline("run", "noop", "--timeout", timeout);

      assertThat(o.code()).as(timeout).isEqualTo(ExitCode.INVALID);
      assertThat(o.err().lines())
          .as(timeout)
          .containsExactly("jobline: --timeout must be a positive number of seconds");
    }
  }

  @Test
  void theExitCodesTheHelpGivesSayWhatHealthReturnsWhenNothingAnswers() {
    // found by review: the footer promised 3 for nothing to talk to, health gives 1 (README)
    assertThat(CliTest.jobline("help").out().replaceAll("\\s+", " "))
        .contains("`health` exits 0 when healthy and 1 when not, nothing answering included");
  }

  @Test
  void anApiWithNoAuthSaysSoBeforeConnectingToAnything(@TempDir Path dir) throws Exception {
    // found by review: with MongoDB out of reach too, it printed MongoTimeoutException and exited
    // with 1, never mentioning auth
    Path config = dir.resolve("api.yml");
    Files.writeString(
        config,
        "server:\n  type: simple\n  connector: {type: http, port: 0}\n"
            + "mongo:\n  uri: mongodb://127.0.0.1:"
            + FreePorts.take()
            + "/?serverSelectionTimeoutMS=2000\n"
            + "kafka:\n  bootstrapServers: 127.0.0.1:"
            + FreePorts.take()
            + "\n");

    CliTest.Outcome o = CliTest.jobline("api", config.toString());

    assertThat(o.code()).isEqualTo(ExitCode.INVALID);
    assertThat(o.err().lines())
        .containsExactly(
            "jobline: invalid configuration: auth: the api needs auth.apiKeys, auth.jwt"
                + " (hs256Secret or jwksUrl) or auth.devToken (e.g. from JOBLINE_DEV_TOKEN)"
                + " — nobody could call it otherwise");
  }

  @Test
  void healthOfNothingSaysWhatItAskedAndExitsWithOne() throws Exception {
    String url = "http://127.0.0.1:" + FreePorts.take() + "/admin/healthcheck";

    CliTest.Outcome o = CliTest.jobline("health", url);

    assertThat(o.code()).isEqualTo(1);
    assertThat(o.err().lines())
        .containsExactly(
            "jobline health: nothing answers at "
                + url
                + " (connection refused) — is the role running, and on that port?");
  }

  @Test
  void standaloneOnATakenPortSaysWhichAndHowToMoveItBeforeStartingAnything() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();

      CliTest.Outcome o =
          CliTest.jobline(
              "standalone",
              "--in-memory",
              "--port",
              "" + port,
              "--kafka-port",
              "0",
              "--mongo-port",
              "0");

      assertThat(o.code()).isEqualTo(ExitCode.UNAVAILABLE);
      assertThat(o.err().lines()).hasSize(1);
      assertThat(o.err())
          .startsWith("jobline: port " + port + " for the API is in use (")
          .contains("`ss -ltnp 'sport = :" + port + "'`")
          .contains("pick another with --port");
    }
  }
}
