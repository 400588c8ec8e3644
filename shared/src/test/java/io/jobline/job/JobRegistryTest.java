package io.jobline.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobline.wire.Json;
import java.lang.reflect.Method;
import org.junit.jupiter.api.Test;

/** A job declared wrongly is refused as the registry reads it, naming what is wrong. */
class JobRegistryTest {
  @SuppressWarnings("unused")
  static class Jobs {
    @Job(
        name = "fine",
        paramsSchema =
            "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\",\"minimum\":1}},\"$defs\":{\"x\":{\"type\":\"string\"}},\"additionalProperties\":{\"$ref\":\"#/$defs/x\"}}")
    void fine(JobContext ctx) {}

    @Job(
        name = "draft7",
        paramsSchema =
            "{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"type\":\"array\",\"items\":[{\"type\":\"string\"}]}")
    void draft7(JobContext ctx) {}

    @Job(
        name = "namedRef",
        paramsSchema =
            "{\"properties\":{\"$ref\":{\"type\":\"string\"}},\"default\":{\"$ref\":\"x\"},\"examples\":[{\"$ref\":\"http://x\"}]}")
    void namedRef(JobContext ctx) {}

    @Job(name = "dynamic", paramsSchema = "{\"$dynamicRef\":\"https://schemas.example.invalid/a\"}")
    void dynamic(JobContext ctx) {}

    @Job(
        name = "underAnAddress",
        paramsSchema =
            "{\"$id\":\"https://schemas.example.invalid/p.json\",\"properties\":{\"a\":{\"$ref\":\"other.json\"}}}")
    void underAnAddress(JobContext ctx) {}

    @Job(name = "misspelt", paramsSchema = "{\"type\":\"objekt\"}")
    void misspelt(JobContext ctx) {}

    @Job(name = "required", paramsSchema = "{\"type\":\"object\",\"required\":\"n\"}")
    void required(JobContext ctx) {}

    @Job(name = "minimum", paramsSchema = "{\"minimum\":\"x\"}")
    void minimum(JobContext ctx) {}

    @Job(name = "missing", paramsSchema = "{\"$ref\":\"#/$defs/missing\"}")
    void missing(JobContext ctx) {}

    @Job(
        name = "draft3",
        paramsSchema = "{\"$schema\":\"http://json-schema.org/draft-03/schema#\"}")
    void draft3(JobContext ctx) {}

    @Job(
        name = "remote",
        paramsSchema =
            "{\"properties\":{\"a\":{\"$ref\":\"http://schemas.example.invalid/a.json\"}}}")
    void remote(JobContext ctx) {}
  }

  @Test
  void aParamsSchemaNoRequestCouldBeCheckedAgainstIsRefusedAtDefinition() throws Exception {
    // found by review: such schemas were only parsed, then failed every request of their job (or
    // fetched a $ref over the network as each was checked)
    assertThat(define("fine").descriptor().paramsSchema()).isNotNull();
    assertThat(
            new ParamsValidator()
                .violations(define("fine").descriptor(), Json.object().put("n", 0).put("s", 1)))
        .hasSize(2);
    assertThat(define("draft7").descriptor().paramsSchema()).isNotNull();

    assertRefused("misspelt", "meta-schema refuses it");
    assertRefused("required", "meta-schema refuses it");
    assertRefused("minimum", "does not compile");
    assertRefused("missing", "does not compile");
    assertRefused("draft3", "does not compile");
    assertRefused("remote", "refers outside the schema");
    // (found by review of the first form: a property named $ref and data holding one were
    // refused; a $dynamicRef elsewhere was fetched)
    assertThat(define("namedRef").descriptor().paramsSchema()).isNotNull();
    assertRefused("dynamic", "refers outside the schema");
    assertRefused("underAnAddress", "refers outside the schema");
  }

  private static void assertRefused(String job, String why) {
    assertThatThrownBy(() -> define(job))
        .as(job)
        .isInstanceOf(JobException.class)
        .hasMessageContaining("params schema of")
        .hasMessageContaining(job + "(")
        .hasMessageContaining(why);
  }

  private static JobDefinition define(String name) throws NoSuchMethodException {
    Method method = Jobs.class.getDeclaredMethod(name, JobContext.class);
    return JobRegistry.define(new Jobs(), method);
  }
}
