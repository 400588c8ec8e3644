package io.jobline.topic;

import io.jobline.wire.JobRequest;

/**
 * A job request already serialized for {@code jobline.requests}, so sending it costs almost
 * nothing.
 */
public record PreparedRequest(JobRequest request, byte[] key, byte[] value) {}
