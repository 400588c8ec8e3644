package io.jobline.embedded;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import de.bwaldvogel.mongo.bson.Document;
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
  void aNulInANameDeepInAWriteIsRefused() {
    Document deep = new Document("k\0", 1);
    for (int i = 0; i < 50; i++) {
      deep = new Document("a", List.of(new Document("b", deep)));
    }
    Document insert = new Document("insert", "c").append("documents", List.of(deep));
    assertThatThrownBy(() -> HostileCommands.check("jobline", "insert", insert))
        .hasMessageContaining("NUL");
  }
}
