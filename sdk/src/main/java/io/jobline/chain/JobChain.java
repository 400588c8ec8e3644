package io.jobline.chain;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares a chain: a static (or no-argument-constructor instance) method without parameters
 * returning a {@link Chain}, in a package listed under {@code jobs.packages}. Executors find it by
 * the same scan that finds {@code @Job} methods, validate it and publish it to the catalogue.
 *
 * <pre>{@code
 * @JobChain
 * static Chain monthEnd() {
 *   return Chain.chain("month-end", "Close a month",
 *       ChainStep.step("settlement"),
 *       ChainStep.step("invoicing").dependsOn("settlement").onFailure(OnFailure.CONTINUE),
 *       ChainStep.step("reporting").dependsOn("invoicing"));
 * }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface JobChain {}
