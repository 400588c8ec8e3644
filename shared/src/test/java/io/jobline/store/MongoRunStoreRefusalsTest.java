package io.jobline.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.bulk.BulkWriteError;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.junit.jupiter.api.Test;

/**
 * A guarded run write refused for a duplicate {@code _id} means a newer fold is stored (skipped);
 * any other refusal, another unique index's included, is the store's error and is thrown.
 */
class MongoRunStoreRefusalsTest {
  private static BulkWriteError error(int code, String message, BsonDocument details) {
    return new BulkWriteError(code, message, details == null ? new BsonDocument() : details, 0);
  }

  private static BsonDocument keyPattern(String key) {
    return new BsonDocument("keyPattern", new BsonDocument(key, new BsonInt32(1)));
  }

  @Test
  void aDuplicateIdIsANewerFold() {
    String mongo =
        "E11000 duplicate key error collection: jobline.job_runs index: _id_ dup key: { _id: \"r\" }";
    assertThat(MongoRunStore.duplicateId(error(11000, mongo, new BsonDocument()))).isTrue();
    assertThat(MongoRunStore.duplicateId(error(11000, "dup", keyPattern("_id")))).isTrue();
    assertThat(MongoRunStore.duplicateId(error(11001, mongo, null))).isTrue();
    assertThat(MongoRunStore.duplicateId(error(11000, "E11000 duplicate key", null)))
        .as("a server that names no index: only _id is unique on job_runs")
        .isTrue();
  }

  @Test
  void anyOtherRefusalIsNot() {
    assertThat(
            MongoRunStore.duplicateId(
                error(
                    11000,
                    "E11000 duplicate key error collection: jobline.job_runs index: name_1 dup key:"
                        + " { name: \"x\" }",
                    null)))
        .isFalse();
    assertThat(MongoRunStore.duplicateId(error(11000, "index: _id_ ", keyPattern("name"))))
        .as("the key pattern decides over the message")
        .isFalse();
    assertThat(MongoRunStore.duplicateId(error(2, "BadValue", null))).isFalse();
    assertThat(MongoRunStore.duplicateId(error(10334, "document too large", null))).isFalse();
  }
}
