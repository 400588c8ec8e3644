package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.wire.Json;
import org.junit.jupiter.api.Test;

/** {@code jobline chains …} against a running API. */
class ChainsCliTest {
  private static CliTest.Outcome chains(String... args) {
    String[] all = new String[args.length + 5];
    all[0] = "chains";
    System.arraycopy(args, 0, all, 1, args.length);
    all[args.length + 1] = "--api-url";
    all[args.length + 2] = SharedStandalone.get().apiUrl();
    all[args.length + 3] = "--token";
    all[args.length + 4] = Http.TEST_TOKEN;
    return CliTest.jobline(all);
  }

  @Test
  void chainsAreListedShownRunAndFollowedFromTheCommandLine() throws Exception {
    assertThat(chains("list").out()).contains("month-end").contains("code").contains("3 steps");
    assertThat(chains("show", "month-end").out())
        .contains("invoicing")
        .contains("on failure continue");

    CliTest.Outcome run =
        chains(
            "run",
            "month-end",
            "--tenant-id",
            "cli",
            "--params",
            "{\"period\":\"2026-08\"}",
            "--json");
    assertThat(run.code()).isZero();
    String id = Json.mapper().readTree(run.out()).path("chain_run_id").asText();
    ChainsApiTest.awaitChainRun(new Http(SharedStandalone.get().apiUrl()), id, "completed");

    assertThat(chains("runs", "--chain", "month-end").out()).contains(id);
    CliTest.Outcome status = chains("status", id);
    assertThat(status.out()).contains("completed").contains("reporting");
    assertThat(chains("cancel", id).code()).isEqualTo(1);
    assertThat(chains("run", "month-end", "--params", "{\"period\":\"2026-13\"}").code())
        .isEqualTo(2);
    assertThat(chains("show", "nope").code()).isEqualTo(2);
  }
}
