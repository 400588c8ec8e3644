package io.jobline.builtins.export;

/**
 * One pass of an export: a tenant's documents of one resource read in id order, maybe over several
 * runs, and written with these values in the export's own columns ({@link Column#TENANT}, {@link
 * Column#RESOURCE}, {@link Column#PASS}). At its end, the rows of that tenant and resource that it
 * did not write are those of documents deleted at the source since an earlier pass.
 *
 * @param id the pass's own id, random (its progress note keeps it): not a time, which two passes
 *     may share
 */
record Pass(String tenant, String resource, String id) {}
