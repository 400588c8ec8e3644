package io.jobline.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SecretsTest {
  private static JsonNode json(String text) throws Exception {
    return Json.mapper().readTree(text);
  }

  @Test
  void aUriKeepsItsUserHostAndDatabaseButNotItsPassword() {
    assertThat(Secrets.redact("postgresql://bi:s3cr:et@db.example:5432/warehouse?ssl=true"))
        .isEqualTo("postgresql://bi:[redacted]@db.example:5432/warehouse?ssl=true");
    assertThat(Secrets.redact("mongodb://jobline:pw@h1:27017,h2:27017/?replicaSet=rs"))
        .isEqualTo("mongodb://jobline:[redacted]@h1:27017,h2:27017/?replicaSet=rs");
    assertThat(Secrets.redact("postgresql://bi@db/warehouse"))
        .isEqualTo("postgresql://bi@db/warehouse");
  }

  @Test
  void connectionStringPartsNamedLikeSecretsAreReplaced() {
    assertThat(
            Secrets.redact("Server=tcp:x,1433;Database=bi;User ID=u;Password={a;b};Encrypt=true"))
        .isEqualTo("Server=tcp:x,1433;Database=bi;User ID=u;Password=[redacted];Encrypt=true");
    assertThat(Secrets.redact("jdbc:postgresql://db/bi?user=u&password=p4ss&ssl=true"))
        .isEqualTo("jdbc:postgresql://db/bi?user=u&password=[redacted]&ssl=true");
    assertThat(Secrets.redact("Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessKey=abc="))
        .doesNotContain("abc");
    assertThat(Secrets.redact("PWD = 'quoted secret'; uid=u")).isEqualTo("PWD = [redacted]; uid=u");
  }

  @Test
  void valuesUnderSecretKeysAreReplacedWholeWhereverTheyAreNested() throws Exception {
    JsonNode params =
        json(
            """
        {"period": "2026-03", "api_key": "k-123", "target": {"Password": "p", "user": "u"},
         "list": [{"client-secret": "c"}, "postgresql://u:x@h/db"], "credentials_path": "/etc/key.json",
         "token": "env:SLACK_TOKEN", "max_tokens": 200}
        """);
    JsonNode clean = Secrets.redact(params);
    assertThat(clean.toString())
        .doesNotContain("k-123")
        .doesNotContain("\"p\"")
        .doesNotContain("\"c\"")
        .doesNotContain("u:x@");
    assertThat(clean.path("period").asText()).isEqualTo("2026-03");
    assertThat(clean.path("target").path("user").asText()).isEqualTo("u");
    assertThat(clean.path("credentials_path").asText())
        .as("where a secret is kept is not a secret")
        .isEqualTo("/etc/key.json");
    assertThat(clean.path("token").asText())
        .as("an env: reference is kept")
        .isEqualTo("env:SLACK_TOKEN");
    assertThat(clean.path("max_tokens").asInt()).isEqualTo(200);
    assertThat(params.path("api_key").asText())
        .as("the given value is not changed")
        .isEqualTo("k-123");
    assertThat(Secrets.holdsRedacted(clean)).isTrue();
    assertThat(Secrets.holdsRedacted(params)).isFalse();
  }

  @Test
  void aValueWithoutSecretsIsReturnedAsItIs() throws Exception {
    JsonNode params = json("{\"period\": \"2026-03\", \"n\": [1, 2, {\"a\": \"b=c\"}]}");
    assertThat(Secrets.redact(params)).isSameAs(params);
    assertThat(Secrets.redact((JsonNode) null)).isNull();
    JsonNode redactedAlready = Secrets.redact(json("{\"password\": \"x\"}"));
    assertThat(Secrets.redact(redactedAlready)).isSameAs(redactedAlready);
  }

  @Test
  void hostileTextIsRedactedInTimeLinearInItsLength() {
    // found chasing a CI failure: the patterns backtracked, and 20,000 letters and an '=' took 3 s
    // in every run view, in history and in the dead-letter recorder, a megabyte of them hours;
    // each of these takes well under a second now, so the bound only catches a return of that
    String letters = "a".repeat(1_000_000) + "=@";
    String schemes = "a://:".repeat(200_000);
    String dotted = "x.".repeat(500_000) + "://=";
    assertTimeoutPreemptively(
        Duration.ofSeconds(30),
        () -> {
          assertThat(Secrets.redact(letters)).isEqualTo(letters);
          assertThat(Secrets.redact(schemes)).isEqualTo(schemes);
          assertThat(Secrets.redact(dotted)).isEqualTo(dotted);
          // a brace, quote or secret left open is redacted to the end
          assertThat(Secrets.redact("password={".repeat(100_000))).isEqualTo("password=[redacted]");
          assertThat(Secrets.redact("x token=\"" + "t".repeat(1_000_000)))
              .isEqualTo("x token=[redacted]");
        });
  }
}
