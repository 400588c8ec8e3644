package io.jobline.app;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import io.dropwizard.core.setup.Environment;
import io.jobline.store.CatalogueStore;
import io.jobline.store.ChainRunStore;
import io.jobline.store.ChainStore;
import io.jobline.store.MongoCatalogueStore;
import io.jobline.store.MongoChainRunStore;
import io.jobline.store.MongoChainStore;
import io.jobline.store.MongoRunLogStore;
import io.jobline.store.MongoRunStore;
import io.jobline.store.MongoScheduleStore;
import io.jobline.store.MongoStatsStore;
import io.jobline.store.MongoTimerStore;
import io.jobline.store.StatsStore;
import io.jobline.store.TimerStore;
import io.jobline.topic.RequestProducer;
import java.time.Clock;

/**
 * What every role's wiring draws on: the configuration, Dropwizard's environment, the clock, the
 * Kafka health check (and its admin client), the shared request producer and the stores.
 */
record RoleParts(
    JoblineConfiguration config,
    Environment env,
    Clock clock,
    KafkaHealthCheck kafkaHealth,
    RequestProducer requests,
    Stores stores) {

  /** The stores on MongoDB the roles share, and the client and database they are on. */
  record Stores(
      MongoClient mongo,
      MongoDatabase db,
      CatalogueStore catalogue,
      MongoRunStore runs,
      MongoScheduleStore schedules,
      TimerStore timers,
      MongoRunLogStore runLogs,
      StatsStore stats,
      ChainStore chains,
      ChainRunStore chainRuns) {

    /** Opens the stores on {@code db}, making sure of their indexes. */
    static Stores open(MongoClient mongo, MongoDatabase db, Clock clock) {
      CatalogueStore catalogue = new MongoCatalogueStore(db, clock);
      MongoRunStore runs = new MongoRunStore(db, clock).ensureIndexes();
      MongoScheduleStore schedules = new MongoScheduleStore(db).ensureIndexes();
      TimerStore timers = new MongoTimerStore(db).ensureIndexes();
      MongoRunLogStore runLogs = new MongoRunLogStore(db).ensureIndexes();
      StatsStore stats = new MongoStatsStore(db);
      ChainStore chains = new MongoChainStore(db, clock);
      ChainRunStore chainRuns = new MongoChainRunStore(db).ensureIndexes();
      return new Stores(
          mongo, db, catalogue, runs, schedules, timers, runLogs, stats, chains, chainRuns);
    }
  }
}
