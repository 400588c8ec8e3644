package io.jobline.app;

/** The processes Jobline is made of; one JVM runs one or all of them. */
public enum Role {
  API,
  SCHEDULER,
  EXECUTOR,
  HISTORY
}
