package io.jobline.builtins.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Rows folded to one spelling per column name for a target that ignores case. */
class CaseFoldTest {
  private static Row row(String id, Set<String> masked, Object... namesAndValues) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      values.put((String) namesAndValues[i], namesAndValues[i + 1]);
    }
    return new Row(id, values, masked);
  }

  @Test
  void namesTakeTheTablesSpellingThenTheFirstRowsAndTheFirstValueNotNullStays() {
    List<Row> rows =
        List.of(
            row("a", Set.of(), "PLAN", "pro", "Note", "x"),
            row("b", Set.of("Email"), "Email", "[redacted]", "note", "y"),
            row("c", Set.of(), "plan", null, "Plan", "basic", "EMAIL", "in clear?"));

    CaseFold.Folded folded = CaseFold.fold(List.of("plan", "email"), rows);

    assertThat(folded.rows().get(0).values())
        .containsExactly(Map.entry("plan", "pro"), Map.entry("Note", "x"));
    assertThat(folded.rows().get(1).values())
        .containsExactly(Map.entry("email", "[redacted]"), Map.entry("Note", "y"));
    assertThat(folded.rows().get(1).masked()).containsExactly("email");
    assertThat(folded.rows().get(2).values())
        .containsEntry("plan", "basic")
        .containsEntry("email", "in clear?");
    assertThat(folded.rows().get(2).masked()).isEmpty();
    assertThat(folded.leftOut()).isEmpty();
  }

  @Test
  void aSecondValueOfOneColumnAndAFieldNamedAsTheKeyAreLeftOutAndNamed() {
    CaseFold.Folded folded =
        CaseFold.fold(
            List.of(), List.of(row("a", Set.of(), "Plan", "first", "plan", "second", "_ID", "k")));

    assertThat(folded.rows().get(0).values()).containsExactly(Map.entry("Plan", "first"));
    assertThat(folded.leftOut()).containsExactly("plan", "_ID");
  }

  @Test
  void rowsWithNothingToFoldAreGivenBackAsTheyCame() {
    List<Row> rows = List.of(row("a", Set.of(), "plan", "pro"), row("b", Set.of(), "note", "x"));

    assertThat(CaseFold.fold(List.of("plan"), rows).rows()).isSameAs(rows);
  }
}
