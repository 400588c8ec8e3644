package io.jobline.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.jobline.wire.WireLimits;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The 400 for a request body that broke a limit of the JSON parser (nesting depth, number length,
 * text length, key length), naming the field and the limit. The parser's exception says neither but
 * in its message, so the body is read again with the limits lifted, in a streaming pass that keeps
 * no stack of its own and so reads any depth, up to the first value past a limit.
 */
final class ParseLimits {
  private static final JsonFactory UNLIMITED =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNestingDepth(Integer.MAX_VALUE)
                  .maxNumberLength(Integer.MAX_VALUE)
                  .maxStringLength(Integer.MAX_VALUE)
                  .maxNameLength(Integer.MAX_VALUE)
                  .build())
          .build();

  private ParseLimits() {}

  /**
   * The 400 for {@code body}, which broke {@code limits} as {@code e} says: naming its top-level
   * field, with the path of the value at fault; naming the body when no field is at fault.
   */
  static ApiException problem(
      String body, StreamReadConstraints limits, StreamConstraintsException e) {
    try (JsonParser p = UNLIMITED.createParser(body)) {
      int depth = 0;
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t.isStructStart() && ++depth > limits.getMaxNestingDepth()) {
          String field = topField(p.getParsingContext());
          return ApiException.badRequest(
              field,
              field
                  + " is nested more than "
                  + WireLimits.maxDepth()
                  + " levels deep; at most "
                  + WireLimits.maxDepth()
                  + " are accepted");
        } else if (t.isStructEnd()) {
          depth--;
        } else if (t == JsonToken.FIELD_NAME
            && p.currentName().length() > limits.getMaxNameLength()) {
          return tooLong(
              p.getParsingContext().getParent(),
              "key too long: "
                  + p.currentName().length()
                  + " characters; at most "
                  + limits.getMaxNameLength()
                  + " are accepted");
        } else if (t == JsonToken.VALUE_STRING && p.getTextLength() > limits.getMaxStringLength()) {
          return tooLong(
              p.getParsingContext(),
              "text too long: "
                  + p.getTextLength()
                  + " characters; at most "
                  + limits.getMaxStringLength()
                  + " are accepted");
        } else if (t.isNumeric() && digits(p.getText()) > limits.getMaxNumberLength()) {
          return tooLong(
              p.getParsingContext(),
              "number too long: "
                  + digits(p.getText())
                  + " digits; at most "
                  + limits.getMaxNumberLength()
                  + " are accepted (send a longer one as text)");
        }
      }
    } catch (IOException malformed) {
      // malformed before any value past a limit: the parser's word it is
    }
    return ApiException.badRequest(
        "body", "the request body is past a limit of the JSON parser: " + e.getOriginalMessage());
  }

  private static ApiException tooLong(JsonStreamContext at, String reason) {
    String path = path(at);
    return ApiException.badRequest(topField(at), (path.isEmpty() ? "body" : path) + ": " + reason);
  }

  /**
   * The length of a number as the parser counts it: its digits, an integer part of just 0 not
   * counted ({@code 0.25} is 2 long).
   */
  private static int digits(String number) {
    int from = number.startsWith("-") ? 1 : 0;
    if (number.startsWith("0", from)
        && number.length() > from + 1
        && !Character.isDigit(number.charAt(from + 1))) {
      from++;
    }
    int n = 0;
    for (int i = from; i < number.length(); i++) {
      n += Character.isDigit(number.charAt(i)) ? 1 : 0;
    }
    return n;
  }

  /** The top-level field {@code at} is in; the body when none. */
  private static String topField(JsonStreamContext at) {
    String top = null;
    for (JsonStreamContext c = at; c != null; c = c.getParent()) {
      if (c.getParent() != null && c.getParent().inRoot() && c.inObject()) {
        top = c.getCurrentName();
      }
    }
    return top == null ? "body" : WireLimits.printable(top);
  }

  /** Where {@code at} is, as WireLimits names paths: {@code params.list[2].n}. */
  private static String path(JsonStreamContext at) {
    Deque<String> parts = new ArrayDeque<>();
    for (JsonStreamContext c = at; c != null && !c.inRoot(); c = c.getParent()) {
      if (c.inArray()) {
        parts.push("[" + c.getCurrentIndex() + "]");
      } else if (c.getCurrentName() != null) {
        String name = WireLimits.printable(c.getCurrentName());
        parts.push(c.getParent() != null && c.getParent().inRoot() ? name : "." + name);
      }
    }
    return String.join("", parts);
  }
}
