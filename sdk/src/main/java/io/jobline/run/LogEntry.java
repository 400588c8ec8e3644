package io.jobline.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/** One line of a run's log, as the seed's JobResult shows it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LogEntry(Instant timestamp, String level, String message, Integer percentage) {}
