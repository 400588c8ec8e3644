package io.jobline.history;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.jobline.wire.JobRequest;
import io.jobline.wire.RunEvent;

/** What history folds into a run: either its request or one of its events. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunInput(JobRequest request, RunEvent event) {
  static RunInput of(JobRequest request) {
    return new RunInput(request, null);
  }

  static RunInput of(RunEvent event) {
    return new RunInput(null, event);
  }
}
