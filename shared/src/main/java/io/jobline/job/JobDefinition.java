package io.jobline.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import io.jobline.wire.Json;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/** A registered job: its descriptor, and the method that runs it. */
public record JobDefinition(JobDescriptor descriptor, Object target, Method method) {

  public String name() {
    return descriptor.name();
  }

  /**
   * Runs the job and turns its return value into JSON.
   *
   * @throws Exception whatever the job threw
   */
  public JsonNode invoke(JobContext context) throws Exception {
    try {
      Object value = method.invoke(target, context);
      return value == null ? NullNode.getInstance() : Json.tree(value);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof Exception ex) {
        throw ex;
      }
      throw new JobException("job " + name() + " raised " + e.getCause(), e.getCause());
    }
  }
}
