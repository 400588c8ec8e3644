package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.app.testjobs.ChainTestJobs;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real browser (Debian's headless chromium through chromedriver) against a
 * real standalone: sign in, a completed run's logs, a sleep run's progress bar moving, a schedule
 * created through the form with its preview, a dead letter redriven to completion. Skipped with a
 * message where chromium is not installed, except under {@code CI=true}, where that fails. {@code
 * JOBLINE_SCREENSHOTS=1} writes the README's screenshots to {@code docs/console/}.
 */
class ConsoleBrowserTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static WebDriver browser;
  private static Http admin;
  private static String base;

  @BeforeAll
  static void start() {
    boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    if (!installed) {
      String why =
          "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)";
      if ("true".equals(System.getenv("CI"))) {
        throw new IllegalStateException("the console's browser tests must run in CI: " + why);
      }
      Assumptions.assumeTrue(false, "browser tests skipped: " + why);
    }
    base = SharedStandalone.get().apiUrl();
    admin = new Http(base);
    ChromeOptions options =
        new ChromeOptions()
            .setBinary(CHROMIUM.toFile())
            .addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--window-size=1200,860",
                "--lang=en-GB",
                "--force-device-scale-factor=1");
    // the driver is given, so Selenium looks for nothing on the network
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
    browser = new ChromeDriver(service, options);
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.quit();
    }
  }

  @BeforeEach
  void signedIn() {
    browser.manage().window().setSize(new Dimension(1200, 860));
    signIn(Http.TEST_TOKEN, "development");
  }

  private static void signIn(String token, String name) {
    browser.get(base + "/#/");
    ((JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
    browser.navigate().refresh();
    waitFor(By.id("token")).sendKeys(token);
    browser.findElement(By.cssSelector("#sign-in button[type=submit]")).click();
    waitUntil(() -> browser.findElement(By.id("who-text")).getText().contains(name));
  }

  private static WebElement waitFor(By by) {
    return new WebDriverWait(browser, Duration.ofSeconds(30))
        .until(
            d -> {
              List<WebElement> found = d.findElements(by);
              return found.isEmpty() || !found.get(0).isDisplayed() ? null : found.get(0);
            });
  }

  /**
   * Waits until a {@code flaky} run has failed its last attempt (it is retried three times). Each
   * earlier attempt reads {@code failed} too for a moment before its retry shows, so the status
   * alone does not say the run is over.
   */
  private static void awaitLastAttemptFailed(String runId) {
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              JsonNode run = admin.get("/jobs/runs/" + runId).body();
              return "failed".equals(run.path("status").asText())
                  && run.path("attempt").asInt() == 4;
            });
  }

  private static void waitUntil(BooleanSupplier condition) {
    new WebDriverWait(browser, Duration.ofSeconds(30))
        .ignoring(NoSuchElementException.class)
        .ignoring(StaleElementReferenceException.class)
        .until(d -> condition.getAsBoolean());
  }

  private static void screenshot(String name) throws Exception {
    byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
    Path dir =
        "1".equals(System.getenv("JOBLINE_SCREENSHOTS"))
            ? Path.of("..", "docs", "console")
            : Path.of("target", "console-screenshots");
    Files.createDirectories(dir);
    Files.write(dir.resolve(name + ".png"), png);
  }

  /** The WCAG 2.1 contrast check run in the page (see the script). */
  private static final String CONTRAST = resource("/console-contrast.js");

  private static String resource(String name) {
    try (InputStream in = ConsoleBrowserTest.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Every text on the page as it stands has at least 4.5:1 contrast (3:1 when large); returns how
   * many were checked.
   */
  @SuppressWarnings("unchecked")
  private static long assertContrast(String page) {
    Map<String, Object> result =
        (Map<String, Object>) ((JavascriptExecutor) browser).executeScript(CONTRAST);
    List<Object> failures = (List<Object>) result.get("failures");
    long checked = ((Number) result.get("checked")).longValue();
    System.out.println(
        "contrast of "
            + checked
            + " texts on "
            + page
            + ": "
            + failures.size()
            + " below the WCAG minimum "
            + failures);
    assertThat(failures).as("texts below the WCAG 2.1 AA contrast on %s", page).isEmpty();
    assertThat(checked).as("texts checked on %s", page).isGreaterThan(3);
    return checked;
  }

  @Test
  void signingInShowsWhoTheRoleAndTheTenantAndSigningOutForgetsTheToken() throws Exception {
    assertThat(browser.findElement(By.id("who-text")).getText())
        .isEqualTo("development · admin · all tenants");
    waitUntil(() -> browser.findElement(By.tagName("h1")).getText().equals("Overview"));
    waitUntil(() -> !browser.findElements(By.cssSelector(".bars")).isEmpty());
    assertThat(browser.findElement(By.id("executors")).getText()).contains("executor-");
    screenshot("overview");

    browser.findElement(By.id("sign-out")).click();
    waitFor(By.id("token"));
    assertThat(((JavascriptExecutor) browser).executeScript("return sessionStorage.length"))
        .isEqualTo(0L);
    waitFor(By.id("token")).sendKeys("not-a-token");
    browser.findElement(By.cssSelector("#sign-in button[type=submit]")).click();
    waitUntil(() -> browser.findElement(By.id("sign-in")).getText().contains("not valid"));
  }

  @Test
  void theOverviewShowsTheBacklogPerTenantFromTheExecutorsConsumerLag() throws Exception {
    String tenant = "console-b-" + UUID.randomUUID().toString().substring(0, 8);
    String gate = "console-gate-" + UUID.randomUUID();
    List<String> runs = new ArrayList<>();
    try {
      for (int i = 0; i < 5; i++) {
        runs.add(
            admin
                .post(
                    "/jobs/run/gate",
                    "{\"tenant_id\":\"" + tenant + "\",\"params\":{\"key\":\"" + gate + "\"}}")
                .body()
                .path("run_id")
                .asText());
      }
      browser.get(base + "/#/");
      // the overview refreshes every 10 s, and a look at the lag is kept 5 s
      By row = By.xpath("//section[@id='backlog']//tr[td[1][text()='" + tenant + "']]");
      new WebDriverWait(browser, Duration.ofSeconds(60))
          .ignoring(StaleElementReferenceException.class)
          .until(
              d ->
                  !d.findElements(row).isEmpty()
                      && d.findElement(row).getText().equals(tenant + " 5"));
      assertThat(browser.findElement(By.id("backlog")).getText())
          .contains("from their consumer lag");
    } finally {
      ChainTestJobs.open(gate);
    }
    for (String run : runs) {
      EndToEndTest.awaitRun(admin, run, "completed");
    }
  }

  @Test
  void theConsoleCanBeUsedFromTheKeyboardAlone() {
    // signed out from a page other than the overview: the move to the overview kept the sign-in
    // form's focus only if it came before the form (CI lost the keys typed into it once)
    browser.get(base + "/#/runs");
    waitUntil(
        () ->
            !browser
                .findElements(By.cssSelector("nav a[href='#/runs'][aria-current='page']"))
                .isEmpty());
    browser.findElement(By.id("sign-out")).click();
    waitUntil(() -> "token".equals(browser.switchTo().activeElement().getAttribute("id")));
    browser.switchTo().activeElement().sendKeys(Http.TEST_TOKEN + Keys.ENTER);
    waitUntil(() -> browser.findElement(By.id("who-text")).getText().contains("development"));

    Actions keys = new Actions(browser);
    // Tab goes on from where focus is (the page's content after signing in) and comes round to the
    // header
    for (int i = 0; i < 80 && !"Runs".equals(browser.switchTo().activeElement().getText()); i++) {
      keys.sendKeys(Keys.TAB).perform();
    }
    assertThat(browser.switchTo().activeElement().getText()).isEqualTo("Runs");
    keys.sendKeys(Keys.ENTER).perform();
    waitUntil(
        () ->
            browser.getCurrentUrl().endsWith("#/runs")
                && !browser.findElements(By.id("live")).isEmpty());
  }

  @Test
  void aJwtBoundToATenantSignsInAndSeesThatTenantsRunsOnly() throws Exception {
    String mine =
        admin.post("/jobs/run/noop", "{\"tenant_id\":\"acme\"}").body().path("run_id").asText();
    String theirs =
        admin.post("/jobs/run/noop", "{\"tenant_id\":\"umbrella\"}").body().path("run_id").asText();
    EndToEndTest.awaitRun(admin, mine, "completed");
    EndToEndTest.awaitRun(admin, theirs, "completed");
    signIn(AuthTest.jwt("operator", "acme", 600), "operator");
    assertThat(browser.findElement(By.id("who-text")).getText()).endsWith("operator · tenant acme");

    browser.get(base + "/#/runs");
    waitUntil(() -> browser.findElement(By.id("runs-table")).getText().contains(shortId(mine)));
    assertThat(browser.findElement(By.id("runs-table")).getText())
        .doesNotContain(shortId(theirs), "umbrella");
    browser.get(base + "/#/runs/" + theirs);
    waitUntil(() -> browser.findElement(By.id("main")).getText().contains("Not found"));
  }

  @Test
  void aCompletedRunShowsItsResultAndLogLines() {
    String id =
        admin
            .post(
                "/jobs/run/settlement",
                "{\"tenant_id\":\"console\",\"params\":{\"period\":\"2026-03\"}}")
            .body()
            .path("run_id")
            .asText();
    EndToEndTest.awaitRun(admin, id, "completed");

    browser.get(base + "/#/runs/" + id);
    waitUntil(() -> browser.findElement(By.id("run-status")).getText().contains("completed"));
    assertThat(browser.findElement(By.id("run-logs")).getText())
        .contains("Starting settlement for 2026-03");
    assertThat(browser.findElement(By.id("main")).getText()).contains("\"processed\"");
  }

  @Test
  void aRunPageOpenedAtTheFirstAttemptFollowsTheRetriesToTheLastAttempt() {
    // fails its first attempt; the second, one to two seconds later, completes
    String id =
        admin
            .post(
                "/jobs/run/flaky",
                "{\"tenant_id\":\"console\",\"retry_backoff_seconds\":2,\"params\":{\"failures\":1}}")
            .body()
            .path("run_id")
            .asText();
    browser.get(base + "/#/runs/" + id);
    waitUntil(() -> browser.findElement(By.id("run-status")).getText().contains("completed"));
    waitUntil(() -> browser.findElement(By.id("live-note")).getText().equals("Ended completed."));
    List<String> attempts =
        browser.findElements(By.cssSelector("#main table tbody tr")).stream()
            .map(WebElement::getText)
            .toList();
    assertThat(attempts).hasSize(2);
    assertThat(attempts.get(0)).contains("failed").contains("failure number 1");
    assertThat(attempts.get(1)).contains("completed");
  }

  @Test
  void aSleepRunsProgressBarMovesAsItRuns() throws Exception {
    String id =
        admin
            .post("/jobs/run/sleep", "{\"tenant_id\":\"console\",\"params\":{\"seconds\":8}}")
            .body()
            .path("run_id")
            .asText();
    browser.get(base + "/#/runs/" + id);
    waitUntil(() -> progress() > 0);
    int first = progress();
    waitUntil(() -> progress() > first);
    assertThat(progress()).isGreaterThan(first);
    assertThat(browser.findElements(By.cssSelector("#run-logs li")).size())
        .isGreaterThanOrEqualTo(2);
    screenshot("run");
    waitUntil(() -> browser.findElement(By.id("run-status")).getText().contains("completed"));
    assertThat(progress()).isEqualTo(100);
    List<String> lines =
        browser.findElements(By.cssSelector("#run-logs li")).stream()
            .map(WebElement::getText)
            .toList();
    assertThat(lines).as("each line once").doesNotHaveDuplicates().hasSize(8);
  }

  private static int progress() {
    Object v =
        ((JavascriptExecutor) browser)
            .executeScript("return document.getElementById('run-progress').value");
    return ((Number) v).intValue();
  }

  @Test
  void aScheduleCreatedThroughTheFormShowsItsPreviewAndIsListed() throws Exception {
    String name = "console-" + UUID.randomUUID().toString().substring(0, 8);
    browser.get(base + "/#/schedules/new");
    waitFor(By.id("s-name")).sendKeys(name);
    new Select(browser.findElement(By.id("s-type"))).selectByValue("noop");
    WebElement cron = browser.findElement(By.id("s-cron"));
    cron.clear();
    cron.sendKeys("*/15 9-17 * * 0-4");
    waitUntil(
        () ->
            browser.findElement(By.id("cron-description")).getText().toLowerCase().contains("15"));
    waitUntil(() -> browser.findElements(By.cssSelector("#cron-preview tbody tr")).size() == 6);
    screenshot("schedule-editor");

    cron.sendKeys(" 99");
    waitUntil(() -> !browser.findElements(By.cssSelector("#cron-preview .alert")).isEmpty());
    assertThat(browser.findElement(By.id("s-cron")).getAttribute("aria-invalid")).isEqualTo("true");
    cron.clear();
    cron.sendKeys("*/15 9-17 * * 0-4");
    waitUntil(() -> browser.findElements(By.cssSelector("#cron-preview tbody tr")).size() == 6);
    browser.findElement(By.id("save-schedule")).click();
    waitUntil(
        () ->
            browser.getCurrentUrl().endsWith("#/schedules")
                && browser.findElement(By.id("main")).getText().contains(name));
    JsonNode saved = admin.get("/jobs/schedules/" + name).body();
    assertThat(saved.path("cron_expression").asText()).isEqualTo("*/15 9-17 * * 0-4");
    assertThat(admin.delete("/jobs/schedules/" + name).status()).isEqualTo(204);
  }

  @Test
  void aDeadLetterRedrivenCorrectedFromItsPageRunsToCompletion() throws Exception {
    String tenant = "console-dl-" + UUID.randomUUID().toString().substring(0, 8);
    String runId =
        DeadLettersApiTest.produce(
            tenant,
            "{\"job_name\":\"settlement\",\"tenant_id\":\""
                + tenant
                + "\",\"params\":{\"period\":\"2026-13\"}}");
    DeadLettersApiTest.awaitDeadLetters(admin, tenant, 1);
    EndToEndTest.awaitRun(admin, runId, "failed");

    browser.get(base + "/#/dead-letters");
    WebElement tenantFilter = waitFor(By.name("tenant"));
    tenantFilter.sendKeys(tenant);
    browser.findElement(By.cssSelector("form.filters button[type=submit]")).click();
    waitUntil(
        () ->
            browser.findElements(By.cssSelector("#dead-letters-table tbody tr")).size() == 1
                && browser
                    .findElement(By.id("dead-letters-table"))
                    .getText()
                    .contains("invalid params"));
    browser.findElement(By.cssSelector("#dead-letters-table tbody tr a")).click();
    WebElement record = waitFor(By.id("redrive-record"));
    String corrected = record.getAttribute("value").replace("2026-13", "2026-03");
    ((JavascriptExecutor) browser)
        .executeScript("arguments[0].value = arguments[1]", record, corrected);
    browser.findElement(By.id("redrive-corrected")).click();
    waitFor(By.id("redrive-result")).findElement(By.tagName("a")).click();

    waitUntil(
        () ->
            browser.getCurrentUrl().endsWith("#/runs/" + runId)
                && browser.findElement(By.id("run-status")).getText().contains("completed"));
    assertThat(admin.get("/jobs/runs/" + runId).body().path("attempt").asInt()).isEqualTo(2);
  }

  @Test
  void theRunNowFormChecksParamsAgainstTheSchemaBeforeItSubmits() {
    browser.get(base + "/#/jobs/settlement");
    WebElement period = waitFor(By.id("p-period"));
    period.sendKeys("2026-13");
    browser.findElement(By.cssSelector("#run-now button[type=submit]")).click();
    waitUntil(() -> "true".equals(period.getAttribute("aria-invalid")));
    assertThat(browser.findElement(By.id("p-period-error")).getText()).contains("must match");
    assertThat(browser.getCurrentUrl()).endsWith("#/jobs/settlement");

    period.clear();
    period.sendKeys("2026-03");
    browser.findElement(By.cssSelector("#run-now button[type=submit]")).click();
    waitUntil(
        () ->
            browser.getCurrentUrl().contains("#/runs/")
                && browser.findElement(By.id("run-status")).getText().contains("completed"));
  }

  @Test
  void aViewerSeesNoControlItsRoleMayNotUse() throws Exception {
    String id =
        admin
            .post("/jobs/run/sleep", "{\"params\":{\"seconds\":30}}")
            .body()
            .path("run_id")
            .asText();
    String tenant = "console-v-" + UUID.randomUUID().toString().substring(0, 8);
    DeadLettersApiTest.produce(
        tenant, "{\"job_name\":\"no-such-job\",\"tenant_id\":\"" + tenant + "\"}");
    DeadLettersApiTest.awaitDeadLetters(admin, tenant, 1);
    signIn("viewer-key", "viewer");
    assertThat(browser.findElement(By.id("who-text")).getText())
        .isEqualTo("viewer · viewer · all tenants");

    browser.get(base + "/#/runs/" + id);
    waitUntil(() -> browser.findElement(By.id("run-status")).getText().contains("running"));
    assertThat(browser.findElements(By.xpath("//button[text()='Cancel']"))).isEmpty();
    admin.post("/jobs/runs/" + id + "/cancel", null);
    browser.get(base + "/#/schedules");
    waitFor(By.tagName("h1"));
    assertThat(browser.findElements(By.id("new-schedule"))).isEmpty();
    browser.get(base + "/#/jobs/noop");
    waitUntil(
        () ->
            browser
                .findElement(By.cssSelector("#run-now button[type=submit]"))
                .getText()
                .contains("operator"));
    assertThat(browser.findElement(By.cssSelector("#run-now button[type=submit]")).isEnabled())
        .isFalse();
    browser.get(base + "/#/dead-letters");
    waitUntil(
        () -> !browser.findElements(By.cssSelector("#dead-letters-table tbody tr a")).isEmpty());
    browser.findElement(By.cssSelector("#dead-letters-table tbody tr a")).click();
    waitUntil(
        () ->
            browser
                .findElement(By.id("dead-letter"))
                .getText()
                .contains("Redriving needs the admin role"));
    assertThat(browser.findElements(By.id("redrive-corrected"))).isEmpty();
  }

  @Test
  void aThousandRunsRenderInUnder200MillisecondsAndPagesFitAPhone() {
    browser.get(base + "/#/runs");
    waitFor(By.id("live"));
    Object millis =
        ((JavascriptExecutor) browser)
            .executeAsyncScript(
                """
        const done = arguments[arguments.length - 1];
        import('/console/js/views/runs.js').then(({ rows, runsTable }) => {
          const runs = Array.from({ length: 1000 }, (_, i) => ({ run_id: 'run-' + i + '-0000-0000', job_name: 'settlement',
            tenant_id: 't' + (i % 7), status: i % 5 ? 'completed' : 'failed', attempt: 1,
            requested_at: new Date(Date.now() - i * 1000).toISOString(), duration_seconds: i / 10, progress: 100 }));
          const t0 = performance.now();
          const body = document.createElement('div');
          body.append(rows(runs));
          const table = runsTable(body);
          const t1 = performance.now();
          const wrap = document.createElement('div');
          wrap.className = 'table-wrap';
          wrap.append(table);
          document.getElementById('main').append(wrap);
          table.getBoundingClientRect();
          done([t1 - t0, performance.now() - t0]);
        });""");
    System.out.println("1,000 run rows built and laid out in " + millis + " ms");
    assertThat(((Number) ((List<?>) millis).get(1)).doubleValue()).isLessThan(200);

    browser.manage().window().setSize(new Dimension(375, 800));
    for (String page :
        List.of("#/", "#/runs", "#/schedules", "#/jobs", "#/dead-letters", "#/chains")) {
      browser.get(base + "/" + page);
      waitFor(By.tagName("h1"));
      Object overflow =
          ((JavascriptExecutor) browser)
              .executeScript(
                  "return document.documentElement.scrollWidth - document.documentElement.clientWidth");
      assertThat(((Number) overflow).intValue())
          .as("horizontal overflow of %s at phone width", page)
          .isLessThanOrEqualTo(1);
    }
  }

  @Test
  void everyPageHasEnoughContrastInEveryStateItShows() throws Exception {
    // the check itself finds text that is too faint
    ((JavascriptExecutor) browser)
        .executeScript(
            "const p = document.createElement('p'); p.id = 'canary';"
                + "p.textContent = 'too faint'; p.style.color = '#a0a0a0'; document.getElementById('main').append(p)");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> canary =
        (List<Map<String, Object>>)
            ((Map<String, Object>) ((JavascriptExecutor) browser).executeScript(CONTRAST))
                .get("failures");
    assertThat(canary)
        .singleElement()
        .satisfies(f -> assertThat(f.get("where").toString()).contains("p#canary"));
    ((JavascriptExecutor) browser).executeScript("document.getElementById('canary').remove()");

    String failed =
        admin
            .post("/jobs/run/flaky", "{\"tenant_id\":\"console\",\"params\":{\"failures\":9}}")
            .body()
            .path("run_id")
            .asText();
    String tenant = "console-c-" + UUID.randomUUID().toString().substring(0, 8);
    DeadLettersApiTest.produce(
        tenant, "{\"job_name\":\"no-such-job\",\"tenant_id\":\"" + tenant + "\"}");
    DeadLettersApiTest.awaitDeadLetters(admin, tenant, 1);
    awaitLastAttemptFailed(failed);

    browser.get(base + "/#/");
    waitUntil(
        () ->
            !browser.findElements(By.cssSelector(".bars")).isEmpty()
                && !browser.findElements(By.id("backlog")).isEmpty());
    assertContrast("the overview");
    browser.get(base + "/#/runs");
    waitUntil(() -> browser.findElement(By.id("runs-table")).getText().contains(shortId(failed)));
    assertContrast("the runs");
    browser.get(base + "/#/runs/" + failed);
    waitUntil(
        () ->
            browser.findElement(By.id("run-status")).getText().contains("failed")
                && !browser.findElements(By.id("run-error")).isEmpty());
    assertContrast("a failed run");
    browser.get(base + "/#/schedules/new");
    WebElement cron = waitFor(By.id("s-cron"));
    cron.sendKeys(" 99");
    waitUntil(() -> !browser.findElements(By.cssSelector("#cron-preview .alert")).isEmpty());
    assertContrast("the schedule editor with a bad cron expression");
    browser.get(base + "/#/schedules");
    waitFor(By.tagName("h1"));
    assertContrast("the schedules");
    browser.get(base + "/#/chains");
    waitFor(By.tagName("h1"));
    assertContrast("the chains");
    browser.get(base + "/#/jobs");
    waitUntil(() -> browser.findElement(By.id("main")).getText().contains("settlement"));
    assertContrast("the jobs");
    browser.get(base + "/#/jobs/settlement");
    waitFor(By.id("p-period")).sendKeys("2026-13");
    browser.findElement(By.cssSelector("#run-now button[type=submit]")).click();
    waitUntil(() -> !browser.findElement(By.id("p-period-error")).getText().isEmpty());
    assertContrast("the run-now form with an invalid field");
    browser.get(base + "/#/dead-letters");
    waitUntil(
        () -> !browser.findElements(By.cssSelector("#dead-letters-table tbody tr a")).isEmpty());
    assertContrast("the dead letters");
    browser.findElement(By.cssSelector("#dead-letters-table tbody tr a")).click();
    waitFor(By.id("dead-letter"));
    assertContrast("a dead letter");
    browser.get(base + "/#/no-such-page");
    waitUntil(() -> browser.findElement(By.id("main")).getText().contains("Not found"));
    assertContrast("a page that does not exist");
    browser.findElement(By.id("sign-out")).click();
    waitFor(By.id("token")).sendKeys("not-a-token");
    browser.findElement(By.cssSelector("#sign-in button[type=submit]")).click();
    waitUntil(() -> browser.findElement(By.id("sign-in")).getText().contains("not valid"));
    assertContrast("the sign-in form with an error");
    browser.manage().window().setSize(new Dimension(375, 800));
    signIn(Http.TEST_TOKEN, "development");
    waitUntil(() -> !browser.findElements(By.cssSelector(".bars")).isEmpty());
    assertContrast("the overview at phone width");
  }

  private static WebElement scheduleRow(String name) {
    return browser.findElement(By.xpath("//tr[td[1]//a[text()='" + name + "']]"));
  }

  private static void clickInRow(String name, String button) {
    scheduleRow(name).findElement(By.xpath(".//button[text()='" + button + "']")).click();
  }

  @Test
  void aScheduleIsPausedResumedTriggeredAndDeletedFromTheSchedulesPage() throws Exception {
    String name = "console-ops-" + UUID.randomUUID().toString().substring(0, 8);
    assertThat(
            admin
                .post(
                    "/jobs/schedules",
                    "{\"job_name\":\""
                        + name
                        + "\",\"job_type\":\"noop\",\"cron_expression\":"
                        + "\"0 3 * * *\",\"timezone\":\"Europe/Berlin\",\"tenant_id\":\"console\"}")
                .status())
        .isEqualTo(201);
    browser.get(base + "/#/schedules");
    waitUntil(() -> scheduleRow(name).getText().contains("active"));

    clickInRow(name, "Pause");
    waitUntil(
        () ->
            browser.findElement(By.id("main")).getText().contains("Paused " + name + ".")
                && scheduleRow(name).getText().contains("paused"));
    assertThat(admin.get("/jobs/schedules/" + name).body().path("paused").asBoolean()).isTrue();
    assertThat(scheduleRow(name).getText())
        .as("a paused schedule fires no more")
        .contains("none while paused")
        .doesNotContain("here");
    assertContrast("the schedules with a notice and a paused schedule");

    clickInRow(name, "Resume");
    waitUntil(
        () ->
            browser.findElement(By.id("main")).getText().contains("Resumed " + name + ".")
                && scheduleRow(name).getText().contains("active"));
    assertThat(admin.get("/jobs/schedules/" + name).body().path("paused").asBoolean()).isFalse();

    clickInRow(name, "Trigger now");
    WebElement triggered = waitFor(By.id("triggered-run"));
    assertThat(browser.findElement(By.id("main")).getText())
        .contains("Triggered " + name + ": run ");
    triggered.click();
    waitUntil(
        () ->
            browser.getCurrentUrl().contains("#/runs/")
                && browser.findElement(By.id("run-status")).getText().contains("completed"));
    String runId =
        browser.getCurrentUrl().substring(browser.getCurrentUrl().indexOf("#/runs/") + 7);
    JsonNode run = admin.get("/jobs/runs/" + runId).body();
    assertThat(run.path("trigger").path("schedule").asText()).isEqualTo(name);
    assertThat(run.path("tenant_id").asText()).isEqualTo("console");

    browser.get(base + "/#/schedules");
    waitUntil(() -> scheduleRow(name).isDisplayed());
    clickInRow(name, "Delete");
    new WebDriverWait(browser, Duration.ofSeconds(10))
        .until(ExpectedConditions.alertIsPresent())
        .accept();
    waitUntil(
        () ->
            browser.findElement(By.id("main")).getText().contains("Deleted " + name + ".")
                && browser
                    .findElements(By.xpath("//tr[td[1]//a[text()='" + name + "']]"))
                    .isEmpty());
    assertThat(admin.get("/jobs/schedules/" + name).status()).isEqualTo(404);
  }

  @Test
  void aChainIsAGraphOfItsStepsAndItsRunLinksEachStepToItsRun() throws Exception {
    String name = "console-diamond-" + UUID.randomUUID().toString().substring(0, 8);
    assertThat(
            admin
                .post(
                    "/jobs/chains",
                    "{\"name\":\""
                        + name
                        + "\",\"description\":\"extract, two halves, merge\","
                        + "\"steps\":[{\"name\":\"extract\",\"job\":\"noop\"},"
                        + "{\"name\":\"left\",\"job\":\"noop\",\"depends_on\":[\"extract\"]},"
                        + "{\"name\":\"right\",\"job\":\"noop\",\"depends_on\":[\"extract\"]},"
                        + "{\"name\":\"merge\",\"job\":\"noop\",\"depends_on\":[\"left\",\"right\"]}]}")
                .status())
        .isEqualTo(201);
    browser.get(base + "/#/chains");
    By card = By.xpath("//section[h2[starts-with(normalize-space(.), '" + name + "')]]");
    WebElement section = waitFor(card);
    List<List<String>> columns =
        section.findElements(By.cssSelector(".graph .level")).stream()
            .map(
                level ->
                    level.findElements(By.cssSelector(".step strong")).stream()
                        .map(WebElement::getText)
                        .toList())
            .toList();
    assertThat(columns)
        .containsExactly(List.of("extract"), List.of("left", "right"), List.of("merge"));
    assertThat(
            section
                .findElement(By.xpath(".//div[contains(@class,'step')][strong[text()='merge']]"))
                .getText())
        .contains("job noop", "after left, right");

    section.findElement(By.xpath(".//button[text()='Run now']")).click();
    waitUntil(
        () ->
            browser
                .findElement(By.id("main"))
                .getText()
                .matches("(?s).*Chain run \\S+ queued\\..*"));
    Matcher queued =
        Pattern.compile("Chain run (\\S+) queued\\.")
            .matcher(browser.findElement(By.id("main")).getText());
    assertThat(queued.find()).isTrue();
    String chainRun = queued.group(1);
    JsonNode done = ChainsApiTest.awaitChainRun(admin, chainRun, "completed");

    By row = By.xpath("//tr[td[1][text()='" + shortId(chainRun) + "']]");
    waitUntil(
        () ->
            browser
                    .findElement(row)
                    .findElements(By.cssSelector("a[href^='#/runs/'] .s-completed"))
                    .size()
                == 4);
    WebElement runRow = browser.findElement(row);
    assertThat(runRow.getText()).contains(name, "completed");
    for (JsonNode step : done.path("steps")) {
      WebElement link =
          runRow.findElement(
              By.cssSelector("a[href='#/runs/" + step.path("run_id").asText() + "']"));
      assertThat(link.getText()).isEqualTo(step.path("name").asText() + " completed");
    }
    String mergeRun =
        done.path("steps").findParents("name").stream()
            .filter(s -> s.path("name").asText().equals("merge"))
            .findFirst()
            .orElseThrow()
            .path("run_id")
            .asText();
    runRow.findElement(By.cssSelector("a[href='#/runs/" + mergeRun + "']")).click();
    waitUntil(
        () ->
            browser.getCurrentUrl().endsWith("#/runs/" + mergeRun)
                && browser.findElement(By.id("run-status")).getText().contains("completed"));
  }

  /** Sets a form field of the page as a person would leave it, and applies the filters. */
  private static void filter(Map<String, String> values) {
    for (Map.Entry<String, String> v : values.entrySet()) {
      ((JavascriptExecutor) browser)
          .executeScript(
              "document.querySelector('form.filters [name=' + arguments[0] + ']').value"
                  + " = arguments[1]",
              v.getKey(),
              v.getValue());
    }
    browser.findElement(By.cssSelector("form.filters button[type=submit]")).click();
  }

  /**
   * A run's id as the console shows it in tables: its last 8 characters (the first are its time).
   */
  private static String shortId(String runId) {
    return runId.substring(runId.length() - 8);
  }

  /** An instant as a datetime-local field holds it, in the browser's zone. */
  private static String local(Instant at) {
    return (String)
        ((JavascriptExecutor) browser)
            .executeScript(
                "const d = new Date(arguments[0]);"
                    + "const p = (n) => String(n).padStart(2, '0');"
                    + "return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;",
                at.toEpochMilli());
  }

  /** The run ids the runs page shows, read at once (the page re-renders every 3 s). */
  @SuppressWarnings("unchecked")
  private static List<String> shownRuns() {
    return (List<String>)
        ((JavascriptExecutor) browser)
            .executeScript(
                "return [...document.querySelectorAll("
                    + "'#runs-table .row:not(.head) a')].map((a) => decodeURIComponent(a.getAttribute('href').replace('#/runs/', '')))");
  }

  @SuppressWarnings("unchecked")
  private static List<String> shownTenants() {
    return (List<String>)
        ((JavascriptExecutor) browser)
            .executeScript(
                "return [...document.querySelectorAll("
                    + "'#runs-table .row:not(.head) .cell:nth-child(3)')].map((c) => c.textContent)");
  }

  @Test
  void theRunsPageFiltersByJobTenantStatusAndTimeAndPagesToOlderRuns() throws Exception {
    String tenant = "console-r-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, Instant> requested = new HashMap<>();
    List<String> noops = new ArrayList<>();
    for (int i = 0; i < 55; i++) {
      JsonNode r = admin.post("/jobs/run/noop", "{\"tenant_id\":\"" + tenant + "\"}").body();
      noops.add(r.path("run_id").asText());
      requested.put(r.path("run_id").asText(), Instant.parse(r.path("requested_at").asText()));
    }
    List<String> settlements = new ArrayList<>();
    for (String period : List.of("2026-01", "2026-02")) {
      JsonNode r =
          admin
              .post(
                  "/jobs/run/settlement",
                  "{\"tenant_id\":\"" + tenant + "\",\"params\":{\"period\":\"" + period + "\"}}")
              .body();
      settlements.add(r.path("run_id").asText());
      requested.put(r.path("run_id").asText(), Instant.parse(r.path("requested_at").asText()));
    }
    JsonNode flaky =
        admin
            .post(
                "/jobs/run/flaky", "{\"tenant_id\":\"" + tenant + "\",\"params\":{\"failures\":9}}")
            .body();
    String failed = flaky.path("run_id").asText();
    requested.put(failed, Instant.parse(flaky.path("requested_at").asText()));
    EndToEndTest.awaitRun(admin, failed, "failed");
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              JsonNode page =
                  admin.get("/jobs/runs?tenant=" + tenant + "&status=completed&limit=500").body();
              return page.path("runs").size() == 57;
            });

    browser.get(base + "/#/runs");
    waitFor(By.id("live"));
    filter(Map.of("tenant", tenant));
    waitUntil(() -> shownRuns().size() == 50 && requested.keySet().containsAll(shownRuns()));
    List<String> first = shownRuns();
    assertThat(shownTenants()).hasSize(50).containsOnly(tenant);

    browser.findElement(By.xpath("//button[text()='Older →']")).click();
    waitUntil(() -> shownRuns().size() == 8);
    List<String> second = shownRuns();
    assertThat(second).doesNotContainAnyElementsOf(first);
    List<String> both = new ArrayList<>(first);
    both.addAll(second);
    assertThat(both).containsExactlyInAnyOrderElementsOf(requested.keySet());
    Instant oldestOfFirst =
        first.stream().map(requested::get).min(Comparator.naturalOrder()).orElseThrow();
    assertThat(second)
        .allSatisfy(id -> assertThat(requested.get(id)).isBeforeOrEqualTo(oldestOfFirst));
    assertThat(browser.findElement(By.xpath("//button[text()='Older →']")).isEnabled())
        .as("the last page")
        .isFalse();
    browser.findElement(By.xpath("//button[text()='← Newer']")).click();
    waitUntil(() -> shownRuns().equals(first));

    filter(Map.of("job", "settlement"));
    waitUntil(() -> shownRuns().size() == 2);
    assertThat(shownRuns()).containsExactlyInAnyOrderElementsOf(settlements);

    filter(Map.of("job", "", "status", "failed"));
    waitUntil(() -> shownRuns().equals(List.of(failed)));

    Instant earliest = requested.values().stream().min(Comparator.naturalOrder()).orElseThrow();
    Instant latest = requested.values().stream().max(Comparator.naturalOrder()).orElseThrow();
    filter(
        Map.of(
            "status",
            "",
            "limit",
            "500",
            "from",
            local(earliest.minusSeconds(1)),
            "to",
            local(latest.plusSeconds(1))));
    waitUntil(() -> shownRuns().size() == 58);
    filter(Map.of("from", "", "to", local(earliest.minusSeconds(1))));
    waitUntil(() -> browser.findElement(By.id("main")).getText().contains("No runs match."));
    filter(Map.of("from", local(latest.plusSeconds(1)), "to", ""));
    waitUntil(() -> browser.findElement(By.id("main")).getText().contains("No runs match."));
    filter(Map.of("from", local(earliest.minusSeconds(1)), "to", ""));
    waitUntil(() -> shownRuns().size() == 58);
  }

  @Test
  void theCronPreviewNotesWhereTheSpringForwardGapSkipsAFire() {
    browser.get(base + "/#/schedules/new");
    WebElement cron = waitFor(By.id("s-cron"));
    cron.clear();
    cron.sendKeys("30 2 * * *");
    WebElement zone = browser.findElement(By.id("s-zone"));
    zone.clear();
    zone.sendKeys("Europe/Berlin");
    waitUntil(
        () ->
            !browser.findElements(By.id("dst-notes")).isEmpty()
                && browser
                    .findElement(By.id("cron-preview"))
                    .getText()
                    .contains("In Europe/Berlin"));
    List<String> notes =
        browser.findElements(By.cssSelector("#dst-notes li")).stream()
            .map(WebElement::getText)
            .toList();
    assertThat(notes)
        .anySatisfy(
            n ->
                assertThat(n)
                    .matches(
                        "\\d{4}-03-\\d\\d 02:30 \\(Europe/Berlin\\) falls in the "
                            + "spring-forward gap; does not fire that day\\."));
    assertThat(notes)
        .anySatisfy(
            n ->
                assertThat(n)
                    .matches("\\d{4}-10-\\d\\d 02:30 \\(Europe/Berlin\\) occurs twice .*"));
    assertContrast("the schedule editor with DST notes");

    cron.clear();
    cron.sendKeys("30 4 * * *");
    waitUntil(
        () ->
            browser.findElements(By.id("dst-notes")).isEmpty()
                && browser.findElement(By.id("cron-preview")).getText().contains("04:30"));
  }
}
