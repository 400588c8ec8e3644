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
  void everyRegexAFilterMatchesWithIsBoundedOrRefused() {
    Document alone = new Document("$regex", "^a").append("$options", "i");
    Document withMore = new Document("$regex", "^b").append("$ne", "bb");
    BsonRegularExpression bson = new BsonRegularExpression("^c", "");
    Document inList = new Document("$regex", "^e");
    Document filter =
        new Document("a", alone)
            .append("b", withMore)
            .append("c", new Document("$in", new ArrayList<>(List.of(bson, "plain", inList))))
            .append(
                "$or",
                new ArrayList<>(
                    List.of(
                        new Document("d", new Document("$not", new Document("$regex", "^d"))))));

    BoundedRegex.bindAll(filter, new BoundedRegex.Budget(BoundedRegex.STEPS));

    BoundedRegex a = onlyIn(filter.get("a"));
    assertThat(a.getPattern()).isEqualTo("^a");
    assertThat(a.getOptions()).isEqualTo("i");
    // (found by review: a $regex beside other conditions was left to the library, unbounded)
    assertThat(onlyIn(filter.get("b")).getPattern()).isEqualTo("^b");
    assertThat(((Document) filter.get("b")).get("$ne")).isEqualTo("bb");
    List<?> in = (List<?>) ((Document) filter.get("c")).get("$in");
    assertThat(in.get(0)).isInstanceOf(BoundedRegex.class);
    // (a {$regex} document in a list is a value to MongoDB and the library: left as it is)
    assertThat(in.get(2)).isSameAs(inList);
    Document or = (Document) ((List<?>) filter.get("$or")).get(0);
    assertThat(onlyIn(((Document) or.get("d")).get("$not")).getPattern()).isEqualTo("^d");

    assertThatThrownBy(
            () ->
                BoundedRegex.bindAll(
                    new Document("v", new Document("$regex", "^a").append("$in", List.of("x"))),
                    new BoundedRegex.Budget(1)))
        .hasMessageContaining("a $regex beside an $in");
  }

  /** The one expression of a field's conditions {@code {$in: [re]}}. */
  private static BoundedRegex onlyIn(Object conditions) {
    List<?> in = (List<?>) ((Document) conditions).get("$in");
    assertThat(in).hasSize(1);
    return (BoundedRegex) in.get(0);
  }

  @Test
  void theRegexesOfOneCommandShareOneBudgetOverAllTheValuesTheyRead() {
    // found by review: each expression had a budget of its own, so an $or of 400 copies read 400
    // budgets' worth
    BoundedRegex.Budget budget = new BoundedRegex.Budget(1_000);
    Document first = new Document("v", new Document("$regex", "a.*x"));
    Document second = new Document("w", new BsonRegularExpression("a.*x", ""));
    BoundedRegex.bindAll(first, budget);
    BoundedRegex.bindAll(second, budget);
    BoundedRegex one = onlyIn(first.get("v"));
    BoundedRegex other = (BoundedRegex) second.get("w");

    assertThat(one.matcher("a".repeat(16)).find()).isFalse(); // (about 380 reads)
    assertThat(other.matcher("a".repeat(16)).find()).isFalse(); // (as many again)
    assertThatThrownBy(() -> one.matcher("a".repeat(16)).find())
        .hasMessageContaining("was stopped")
        .hasMessageContaining("1000");
  }
}
