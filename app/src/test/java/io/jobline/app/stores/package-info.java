/**
 * One contract per store, each run against the store's in-memory twin (what logic tests use) and
 * its Mongo implementation (what runs): the twins must agree, or a logic test proves nothing about
 * production. A store's contract is an abstract class in its {@code *ContractTest}; a nested class
 * per implementation runs it.
 */
package io.jobline.app.stores;
