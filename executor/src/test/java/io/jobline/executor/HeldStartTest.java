package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jobline.wire.EventType;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import org.junit.jupiter.api.Test;

class HeldStartTest {
  private static final RunEvent START =
      new RunEvent(
          RunId.of("r-1"),
          1,
          EventType.STARTED,
          Instant.parse("2026-12-01T00:00:00Z"),
          "executor-1",
          1,
          1,
          null);

  @Test
  void anEndThatFindsTheStartBeingPublishedIsQueuedAfterIt() throws Exception {
    // the bench found runs stuck as running: the timer thread took the start, the job ended and
    // queued its end, and only then was the start queued, so history saw the end first and ignored
    // it
    List<String> queue = new CopyOnWriteArrayList<>();
    CountDownLatch inPublish = new CountDownLatch(1);
    CountDownLatch resume = new CountDownLatch(1);
    HeldStart held =
        new HeldStart(
            START,
            start -> {
              inPublish.countDown();
              // the timer thread is descheduled between taking the start and queueing it
              awaitQuietly(resume);
              queue.add("started");
            });
    Thread timer = new Thread(held::publish);
    timer.start();
    inPublish.await();
    Thread job =
        new Thread(
            () -> {
              RunEvent carried = held.takeForEnd();
              queue.add(carried == null ? "completed" : "completed+started");
            });
    job.start();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                job.getState() == Thread.State.BLOCKED
                    || job.getState() == Thread.State.TERMINATED);
    resume.countDown();
    timer.join();
    job.join();
    assertThat(queue).containsExactly("started", "completed");
  }

  @Test
  void anEndThatComesFirstCarriesTheStartAndNothingElseIsPublished() {
    List<RunEvent> published = new CopyOnWriteArrayList<>();
    HeldStart held = new HeldStart(START, published::add);
    FutureTask<Void> timer = new FutureTask<>(() -> {}, null);
    held.timer(timer);
    assertThat(held.takeForEnd()).isSameAs(START);
    assertThat(timer.isCancelled()).as("the hold's timer is cancelled").isTrue();
    held.publish();
    assertThat(published).isEmpty();
  }

  @Test
  void aStartPublishedOnceIsNotCarriedByTheEnd() {
    List<RunEvent> published = new CopyOnWriteArrayList<>();
    HeldStart held = new HeldStart(START, published::add);
    held.publish();
    held.publish();
    assertThat(published).containsExactly(START);
    assertThat(held.takeForEnd()).isNull();
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
