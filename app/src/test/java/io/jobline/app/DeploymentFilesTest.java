package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.jobline.wire.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The docker-compose file and the Helm chart (linted and rendered by a Helm running in this JVM).
 */
class DeploymentFilesTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path CHART = ROOT.resolve("charts/jobline");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @TempDir Path tmp;

  @Test
  void composeRunsEveryRoleWithHealthChecksPinnedImagesAndNamedVolumes() throws IOException {
    // SnakeYAML resolves the "<<" merge keys the compose file uses, as docker compose does
    Object parsed = new Yaml().load(Files.readString(ROOT.resolve("docker-compose.yml")));
    JsonNode compose = Json.mapper().valueToTree(parsed);
    JsonNode services = compose.path("services");
    List<String> names = new ArrayList<>();
    services.fieldNames().forEachRemaining(names::add);
    assertThat(names).contains("kafka", "mongo", "api", "scheduler", "history");
    assertThat(names.stream().filter(n -> n.startsWith("executor"))).hasSizeGreaterThanOrEqualTo(2);
    services
        .fields()
        .forEachRemaining(
            e -> {
              JsonNode s = e.getValue();
              assertThat(s.path("healthcheck").path("test").isArray())
                  .as(e.getKey() + " has a health check")
                  .isTrue();
              String image = s.path("image").asText();
              assertThat(image)
                  .as(e.getKey() + " image is pinned")
                  .matches(".+:\\d[\\w.-]*")
                  .doesNotEndWith(":latest");
              if (!List.of("kafka", "mongo").contains(e.getKey())) {
                assertThat(s.path("depends_on").path("kafka").path("condition").asText())
                    .isEqualTo("service_healthy");
                assertThat(s.path("depends_on").path("mongo").path("condition").asText())
                    .isEqualTo("service_healthy");
                assertThat(s.path("command").get(0).asText())
                    .isIn("api", "scheduler", "executor", "history");
              }
            });
    assertThat(services.path("api").path("ports").get(0).asText()).isEqualTo("5001:5001");
    assertThat(services.path("mongo").path("command").toString()).contains("--replSet");
    assertThat(services.path("mongo").path("healthcheck").path("test").toString())
        .contains("rs.initiate");
    assertThat(compose.path("volumes").has("kafka-data")).isTrue();
    assertThat(compose.path("volumes").has("mongo-data")).isTrue();
  }

  @Test
  void composeGivesTheApiAWayToAuthenticateAndTheOtherRolesTheirSettings() throws IOException {
    // found by use: the api had no auth setting, so it stopped at boot ("auth: the api needs
    // auth.apiKeys, ...") and restarted for ever; README's curl never got an answer
    JsonNode compose =
        Json.mapper()
            .valueToTree(new Yaml().load(Files.readString(ROOT.resolve("docker-compose.yml"))));
    JsonNode api = compose.path("services").path("api").path("environment");
    assertThat(api.path("JOBLINE_DEV_TOKEN").asText())
        .as("the admin token comes from the shell, and compose refuses to start without it")
        .startsWith("${JOBLINE_DEV_TOKEN:?");
    assertThat(api.path("KAFKA_BOOTSTRAP_SERVERS").asText()).isEqualTo("kafka:9092");
    assertThat(api.path("MONGODB_URI").asText()).startsWith("mongodb://mongo:27017");
    JsonNode config =
        Json.mapper()
            .valueToTree(new Yaml().load(Files.readString(ROOT.resolve("config/jobline.yml"))));
    assertThat(config.path("auth").path("devToken").asText())
        .as("the image's config reads the token from that variable")
        .startsWith("${JOBLINE_DEV_TOKEN");
  }

  @Test
  void composeKeepsTheAuditArchiveAndHistoryStateOnNamedVolumes() throws IOException {
    // found by review: the executors wrote the archive inside their containers, one folder each,
    // gone with the container after the entries were deleted from MongoDB
    JsonNode compose =
        Json.mapper()
            .valueToTree(new Yaml().load(Files.readString(ROOT.resolve("docker-compose.yml"))));
    JsonNode services = compose.path("services");
    String archiveDir =
        Files.readString(ROOT.resolve("config/jobline.yml"))
            .replaceAll("(?s).*archiveDir: \\$\\{JOBS_AUDIT_ARCHIVE_DIR:-([^}]+)}.*", "$1");
    assertThat(archiveDir).isEqualTo("/var/lib/jobline/audit-archive");
    List<String> executorVolumes = new ArrayList<>();
    services
        .fields()
        .forEachRemaining(
            e -> {
              if (e.getKey().startsWith("executor")) {
                assertThat(e.getValue().path("volumes").size()).as(e.getKey()).isEqualTo(1);
                executorVolumes.add(e.getValue().path("volumes").get(0).asText());
              }
            });
    assertThat(executorVolumes).hasSizeGreaterThanOrEqualTo(2);
    assertThat(executorVolumes).as("one folder for all").containsOnly(executorVolumes.get(0));
    String[] mount = executorVolumes.get(0).split(":");
    assertThat(archiveDir).startsWith(mount[1] + "/");
    assertThat(compose.path("volumes").has(mount[0])).as("a named volume").isTrue();
    assertThat(services.path("history").path("volumes").get(0).asText())
        .isEqualTo("history-state:/var/lib/jobline");
  }

  @Test
  void theImageMakesItsDataFolderWritableByItsUser() throws IOException {
    // found by review: /var/lib/jobline was only declared a volume, so a volume mounted there
    // started out owned by root, and neither the standalone (its data folder), the history role
    // (its state) nor the executors (the audit archive) could write it as user 10001
    String pom = Files.readString(ROOT.resolve("app/pom.xml"));
    assertThat(pom).contains("<user>10001:0</user>");
    assertThat(pom).contains("<volume>/var/lib/jobline</volume>");
    // the user's group (0) writes, and others pass through, to a volume mounted inside it for a
    // user of another group, as the chart runs the pods (found by review)
    assertThat(pom).containsPattern("<file>/var/lib/jobline</file>\\s*<mode>7[37][157]</mode>");
    assertThat(ROOT.resolve("app/src/main/jib/var/lib/jobline")).isDirectoryContaining("glob:**");
    assertThat(pom).contains("<from>${project.basedir}/src/main/jib</from>");
  }

  @Test
  void theChartMountsAnAuditArchiveClaimOnTheExecutorsAndPointsTheJobAtIt() throws Exception {
    Path values = tmp.resolve("archive.yaml");
    Files.writeString(
        values,
        "jobs:\n  builtins: {enabled: true, auditLog: {retentionDays: 30}}\n"
            + "  auditArchive: {existingClaim: jobline-archive}\n");
    List<JsonNode> docs = render(values);
    JsonNode executor =
        ofKind(docs, "Deployment").stream()
            .filter(d -> d.path("metadata").path("name").asText().endsWith("-executor"))
            .findFirst()
            .orElseThrow()
            .path("spec")
            .path("template")
            .path("spec");
    assertThat(executor.path("volumes").toString()).contains("\"claimName\":\"jobline-archive\"");
    assertThat(executor.path("containers").get(0).path("volumeMounts").toString())
        .contains("\"mountPath\":\"/var/lib/jobline/audit-archive\"");
    Path file = Files.createTempFile(tmp, "helm-archive", ".yml");
    Files.writeString(
        file,
        ofKind(docs, "ConfigMap")
            .get(0)
            .path("data")
            .path("jobline.yml")
            .asText()
            .transform(DeploymentFilesTest::asInThePod));
    JoblineConfiguration config = Launcher.load(file.toString());
    assertThat(config.jobs.builtins.auditLog.archiveDir)
        .isEqualTo("/var/lib/jobline/audit-archive");
    assertThat(config.jobs.builtins.auditLog.retentionDays).as("the rest kept").isEqualTo(30);

    for (JsonNode d : ofKind(docs, "Deployment")) {
      if (!d.path("metadata").path("name").asText().endsWith("-executor")) {
        assertThat(d.toString()).as("executors only").doesNotContain("jobline-archive");
      }
    }
    for (JsonNode d : ofKind(render(CHART.resolve("values.yaml")), "Deployment")) {
      assertThat(d.toString()).as("no claim, no mount").doesNotContain("audit-archive");
    }
  }

  @Test
  void anArchiveDirGivenWithTheClaimIsWhereTheClaimIsMounted() throws Exception {
    // found by review: the claim went to /var/lib/jobline/audit-archive while the job wrote the
    // folder given, on the read-only root filesystem
    Path values = tmp.resolve("archive-dir.yaml");
    Files.writeString(
        values,
        "jobs:\n  builtins: {enabled: true, auditLog: {archiveDir: /archive}}\n"
            + "  auditArchive: {existingClaim: jobline-archive}\n");
    List<JsonNode> docs = render(values);
    assertThat(ofKind(docs, "ConfigMap").get(0).path("data").path("jobline.yml").asText())
        .contains("\"archiveDir\":\"/archive\"");
    assertThat(ofKind(docs, "Deployment").toString())
        .contains("\"mountPath\":\"/archive\"")
        .doesNotContain("/var/lib/jobline/audit-archive");

    Files.writeString(
        values,
        "jobs:\n  builtins: {auditLog: {archiveDir: archive}}\n"
            + "  auditArchive: {existingClaim: jobline-archive}\n");
    assertThatThrownBy(() -> render(values)).hasMessageContaining("must be an absolute path");
  }

  @Test
  void theChartLintsCleanWithDefaultAndProductionValues() throws IOException {
    LintResult defaults = new Helm(CHART).lint().strict().call();
    assertThat(defaults.isFailed()).as(String.join("\n", defaults.getMessages())).isFalse();

    Path production = copyChartWithValues(CHART.resolve("values-production.yaml"));
    LintResult prod = new Helm(production).lint().strict().call();
    assertThat(prod.isFailed()).as(String.join("\n", prod.getMessages())).isFalse();
  }

  @Test
  void everyContainerHasProbesResourcesAndARestrictedSecurityContext() throws Exception {
    for (Path values :
        List.of(CHART.resolve("values.yaml"), CHART.resolve("values-production.yaml"))) {
      List<JsonNode> docs = render(values);
      List<JsonNode> deployments = ofKind(docs, "Deployment");
      assertThat(deployments)
          .extracting(d -> d.path("metadata").path("name").asText())
          .containsExactlyInAnyOrder(
              "jobline-jobline-api",
              "jobline-jobline-scheduler",
              "jobline-jobline-executor",
              "jobline-jobline-history");
      for (JsonNode d : deployments) {
        JsonNode pod = d.path("spec").path("template").path("spec");
        assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
        for (JsonNode c : pod.path("containers")) {
          String where = values.getFileName() + " " + d.path("metadata").path("name").asText();
          assertThat(c.path("livenessProbe").path("httpGet").path("path").asText())
              .as(where)
              .isEqualTo("/admin/ping");
          assertThat(c.path("readinessProbe").path("httpGet").path("path").asText())
              .as(where)
              .isEqualTo("/admin/healthcheck");
          assertThat(c.path("resources").path("requests").path("memory").asText())
              .as(where)
              .isNotEmpty();
          assertThat(c.path("resources").path("limits").path("memory").asText())
              .as(where)
              .isNotEmpty();
          JsonNode sc = c.path("securityContext");
          assertThat(sc.path("allowPrivilegeEscalation").asBoolean(true)).as(where).isFalse();
          assertThat(sc.path("readOnlyRootFilesystem").asBoolean()).as(where).isTrue();
          assertThat(sc.path("capabilities").path("drop").toString()).as(where).contains("ALL");
        }
      }
      assertThat(ofKind(docs, "PodDisruptionBudget")).hasSize(4);
      String rendered = ofKind(docs, "ConfigMap").get(0).path("data").path("jobline.yml").asText();
      assertThat(rendered).contains("bootstrapServers").contains("builtins");
      // the rendered config is one every role accepts at boot, built-in job settings included
      // (the pods get MONGODB_URI from the secret named in values)
      Path file = Files.createTempFile("helm-jobline", ".yml");
      Files.writeString(file, asInThePod(rendered));
      JoblineConfiguration config = Launcher.load(file.toString());
      assertThat(config.jobs.builtins.enabled).as(values.getFileName().toString()).isTrue();
    }
  }

  @Test
  void theChartsApiAuthenticatesWithTheKeysOfItsValuesAndTheJwtSecretOfItsSecret()
      throws Exception {
    // found by review: the chart's config had no auth section, so the api refused to start
    // whatever the values said, the auth Secret's variables read by no key
    Path values = tmp.resolve("auth.yaml");
    String hash = "ab".repeat(32);
    Files.writeString(
        values,
        "auth:\n  existingSecret: jobline-auth\n"
            + "  apiKeys: [{name: ci, sha256: \""
            + hash
            + "\", role: operator}]\n");
    List<JsonNode> docs = render(values);
    JsonNode api =
        ofKind(docs, "Deployment").stream()
            .filter(d -> d.path("metadata").path("name").asText().endsWith("-api"))
            .findFirst()
            .orElseThrow();
    JsonNode container = api.path("spec").path("template").path("spec").path("containers").get(0);
    assertThat(container.path("envFrom").toString()).contains("\"name\":\"jobline-auth\"");
    String rendered = ofKind(docs, "ConfigMap").get(0).path("data").path("jobline.yml").asText();
    Path file = Files.createTempFile(tmp, "helm-auth", ".yml");
    Files.writeString(
        file,
        asInThePod(rendered)
            // (as the pod gets it from the Secret)
            .replace("${JWT_HS256_SECRET:-}", "s".repeat(32)));
    JoblineConfiguration config = Launcher.load(file.toString());
    assertThat(config.auth.apiKeys).hasSize(1);
    assertThat(config.auth.apiKeys.get(0).sha256).isEqualTo(hash);
    assertThat(config.auth.apiKeys.get(0).role).isEqualTo("operator");
    assertThat(config.auth.jwt.enabled()).isTrue();
    assertThat(config.auth.configured()).isTrue();
  }

  @Test
  void theShippedConfigGivesEachExecutorTheIdOfItsVariableOrOneOfItsOwn() throws Exception {
    // found by review: a nested default (${EXECUTOR_ID:-${HOSTNAME:-executor}}) is not read as
    // one: EXECUTOR_ID=e1 gave "e1}", and unset the literal text, the same for every replica
    String shipped = Files.readString(ROOT.resolve("config/jobline.yml"));
    assertThat(shipped).doesNotContainPattern("\\$\\{[^}]*\\$\\{");
    Path file = tmp.resolve("jobline.yml");
    Files.writeString(file, shipped.replace("${EXECUTOR_ID:-}", "e1"));
    assertThat(Launcher.load(file.toString()).executor.executorId).isEqualTo("e1");
    Files.writeString(file, shipped.replace("${EXECUTOR_ID:-}", ""));
    JoblineConfiguration unset = Launcher.load(file.toString());
    assertThat(unset.executor.executorId).isNull();
    assertThat(unset.executor.executorIdOrDefault()).startsWith("executor-");
  }

  /**
   * The rendered config with the variables every pod is given (MONGODB_URI from its Secret,
   * POD_NAME from its metadata, KAFKA_SASL_PASSWORD from the Kafka Secret of the production
   * values): a variable without a default that is not set fails the boot.
   */
  private static String asInThePod(String rendered) {
    return rendered
        .replace("${MONGODB_URI}", "mongodb://mongo:27017/?replicaSet=rs0")
        .replace("${POD_NAME}", "jobline-jobline-executor-0")
        .replace("${KAFKA_SASL_PASSWORD}", "secret");
  }

  @Test
  void helmTestCallsTheApiHealthEndpoint() throws IOException {
    JsonNode test =
        YAML.readTree(
            Files.readString(CHART.resolve("templates/tests/test-connection.yaml"))
                .replaceAll("\\{\\{[^}]*}}", "x"));
    assertThat(test.path("metadata").path("annotations").path("helm.sh/hook").asText())
        .isEqualTo("test");
    assertThat(test.path("spec").path("containers").get(0).path("args").get(0).asText())
        .isEqualTo("health");
  }

  @Test
  void executorsNeverOutnumberTheRequestPartitionsInTheExampleValues() throws IOException {
    for (Path values :
        List.of(CHART.resolve("values.yaml"), CHART.resolve("values-production.yaml"))) {
      JsonNode v = YAML.readTree(values.toFile());
      int partitions = v.path("topics").path("requestPartitions").asInt();
      assertThat(v.path("roles").path("executor").path("replicas").asInt())
          .isLessThanOrEqualTo(partitions);
      assertThat(v.path("autoscaling").path("maxReplicas").asInt()).isLessThanOrEqualTo(partitions);
    }
    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(bad, "autoscaling:\n  maxReplicas: 50\ntopics:\n  requestPartitions: 12\n");
    assertThatThrownBy(
            () -> new Helm(CHART).template().withName("jobline").withValuesFile(bad).call())
        .hasMessageContaining("must not exceed topics.requestPartitions");
  }

  @Test
  void productionValuesScaleOnLagAndAddIngressMonitoringAndANetworkPolicy() throws IOException {
    List<JsonNode> docs = render(CHART.resolve("values-production.yaml"));
    JsonNode scaled = ofKind(docs, "ScaledObject").get(0);
    assertThat(scaled.path("spec").path("triggers").get(0).path("type").asText())
        .isEqualTo("kafka");
    assertThat(ofKind(docs, "HorizontalPodAutoscaler")).isEmpty();
    assertThat(ofKind(docs, "ServiceMonitor")).hasSize(1);
    assertThat(ofKind(docs, "NetworkPolicy")).hasSize(1);
    assertThat(
            ofKind(docs, "Ingress").get(0).path("spec").path("rules").get(0).path("host").asText())
        .isEqualTo("jobs.example.com");
    assertThat(ofKind(docs, "ConfigMap").get(0).path("data").path("jobline.yml").asText())
        .contains("security.protocol");
    assertThat(ofKind(render(CHART.resolve("values.yaml")), "HorizontalPodAutoscaler")).hasSize(1);
  }

  private List<JsonNode> render(Path values) throws IOException {
    String manifests = new Helm(CHART).template().withName("jobline").withValuesFile(values).call();
    List<JsonNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(manifests)) {
      while (it.hasNext()) {
        JsonNode doc = it.next();
        if (doc != null && !doc.isNull() && doc.has("kind")) {
          docs.add(doc);
        }
      }
    }
    return docs;
  }

  private static List<JsonNode> ofKind(List<JsonNode> docs, String kind) {
    return docs.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
  }

  private Path copyChartWithValues(Path values) throws IOException {
    Path target = tmp.resolve("jobline");
    try (Stream<Path> files = Files.walk(CHART)) {
      for (Path p : files.sorted(Comparator.naturalOrder()).toList()) {
        Path dest = target.resolve(CHART.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(dest);
        } else {
          Files.copy(p, dest, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    Files.copy(values, target.resolve("values.yaml"), StandardCopyOption.REPLACE_EXISTING);
    return target;
  }
}
