package io.jobline.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import de.bwaldvogel.mongo.bson.BsonRegularExpression;
import de.bwaldvogel.mongo.bson.Document;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the store refuses before the library sees it. */
class HostileCommandsTest {
  @Test
  void aDatabaseNameTheDriverWouldNotSendIsRefusedToARawClient() {
    // (the driver checks names itself: a client speaking the wire protocol directly does not)
    for (String name : List.of("", "a.b", "a$b", "a\0b")) {
      assertThatThrownBy(() -> HostileCommands.check(name, "insert", new Document()))
          .as(name)
          .hasMessageContaining("invalid database name");
    }
    HostileCommands.check("jobline", "find", new Document());
  }

  @Test
  void aRenameToANameWithANulIsRefusedInEveryUpdateShape() {
    Document rename = new Document("$rename", new Document("status", "s\0t"));
    Document update =
        new Document("update", "c")
            .append("updates", List.of(new Document("q", new Document()).append("u", rename)));
    assertThatThrownBy(() -> HostileCommands.check("jobline", "update", update))
        .hasMessageContaining("NUL");
    Document findAndModify = new Document("findAndModify", "c").append("update", rename);
    assertThatThrownBy(() -> HostileCommands.check("jobline", "findAndModify", findAndModify))
        .hasMessageContaining("NUL");
    HostileCommands.check(
        "jobline",
        "update",
        new Document("update", "c")
            .append(
                "updates",
                List.of(new Document("u", new Document("$rename", new Document("status", "st"))))));
  }

  @Test
  void aRepeatedGroupHoldingARepeatIsTakenForARegexThatCanBacktrackForAges() {
    for (String risky :
        List.of(
            "^(a+)+$",
            "(a*)*",
            "(x*y)*",
            "((ab)+)+",
            "(a+){9}",
            "(?:a|b+)*",
            "((a+)?)+",
            "(a?){25}")) {
      assertThat(HostileCommands.nestedRepeat(risky)).as(risky).isTrue();
    }
    for (String fine :
        List.of("^chaos-s-", "a+b*", "(ab)+", "[(a+)]+", "\\(a+\\)+", "(a+)?", "^(?i)job-\\d+$")) {
      assertThat(HostileCommands.nestedRepeat(fine)).as(fine).isFalse();
    }
  }

  @Test
  void theRegexesAFilterMatchesWithAreBoundedWhereTheLibraryTakesThemAsValues() {
    Document alone = new Document("$regex", "^a").append("$options", "i");
    Document withMore = new Document("$regex", "^b").append("$ne", "bb");
    BsonRegularExpression bson = new BsonRegularExpression("^c", "");
    Document filter =
        new Document("a", alone)
            .append("b", withMore)
            .append("c", new Document("$in", new ArrayList<>(List.of(bson, "plain"))))
            .append(
                "$or",
                new ArrayList<>(
                    List.of(
                        new Document("d", new Document("$not", new Document("$regex", "^d"))))));

    BoundedRegex.bindAll(filter);

    assertThat(filter.get("a")).isInstanceOf(BoundedRegex.class);
    assertThat(((BoundedRegex) filter.get("a")).getOptions()).isEqualTo("i");
    assertThat(filter.get("b")).isSameAs(withMore); // (more conditions: the library's own)
    assertThat((List<?>) ((Document) filter.get("c")).get("$in"))
        .first()
        .isInstanceOf(BoundedRegex.class);
    Document or = (Document) ((List<?>) filter.get("$or")).get(0);
    assertThat(((Document) or.get("d")).get("$not")).isInstanceOf(BoundedRegex.class);
  }

  @Test
  void aBoundedRegexStopsAtItsBudgetOverAllTheValuesItReads() {
    Document filter = new Document("v", new Document("$regex", "a.*x"));
    BoundedRegex.bindAll(filter, 1_000, 0);
    BoundedRegex regex = (BoundedRegex) filter.get("v");

    assertThat(regex.matcher("a".repeat(20)).find()).isFalse(); // (about 400 reads)
    assertThatThrownBy(() -> regex.matcher("a".repeat(40)).find())
        .hasMessageContaining("was stopped")
        .hasMessageContaining("1000");
  }
}
