package io.jobline.app;

import io.github.classgraph.ClassGraph;
import io.github.classgraph.ClassInfo;
import io.github.classgraph.MethodInfo;
import io.github.classgraph.ScanResult;
import io.jobline.chain.Chain;
import io.jobline.chain.ChainException;
import io.jobline.chain.JobChain;
import io.jobline.store.ChainStore;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/** Finds the chains declared with {@link JobChain} in the packages that hold the jobs. */
public final class ChainScan {
  private ChainScan() {}

  /**
   * Calls every {@code @JobChain} method in the given packages (and sub-packages).
   *
   * @throws ChainException if a method is declared wrongly or two chains share a name
   */
  public static List<Chain> scan(List<String> packages) {
    Map<String, Chain> found = new TreeMap<>();
    try (ScanResult scan =
        new ClassGraph()
            .enableClassInfo()
            .enableMethodInfo()
            .enableAnnotationInfo()
            .ignoreMethodVisibility()
            .ignoreClassVisibility()
            .acceptPackages(packages.toArray(String[]::new))
            .scan()) {
      for (ClassInfo info : scan.getClassesWithMethodAnnotation(JobChain.class)) {
        for (MethodInfo m : info.getDeclaredMethodInfo()) {
          if (m.hasAnnotation(JobChain.class)) {
            Chain chain = call(m.loadClassAndGetMethod());
            if (found.putIfAbsent(chain.name(), chain) != null) {
              throw new ChainException(
                  chain.name(),
                  null,
                  "name",
                  "chain '"
                      + chain.name()
                      + "' is declared twice (again by "
                      + m.getClassInfo().getName()
                      + "."
                      + m.getName()
                      + ")");
            }
          }
        }
      }
    }
    return List.copyOf(found.values());
  }

  /**
   * Scans, validates every chain found and stores it as declared in code.
   *
   * @param jobExists whether a job of that name is registered
   * @param fansOut whether that job runs once per tenant (which a chain cannot wait for)
   * @return the chains published
   * @throws ChainException naming the chain and step at fault; nothing is stored then
   */
  public static List<Chain> publish(
      List<String> packages,
      Predicate<String> jobExists,
      Predicate<String> fansOut,
      ChainStore store) {
    List<Chain> found = scan(packages);
    for (Chain chain : found) {
      try {
        chain.validate(jobExists, fansOut);
      } catch (ChainException e) {
        throw new ChainException(
            e.chain(),
            e.step(),
            e.field(),
            "@JobChain '"
                + chain.name()
                + "' is invalid ("
                + e.field()
                + "): "
                + e.getMessage()
                + "; the executor does not start until it is fixed");
      }
    }
    found.forEach(c -> store.save(c, ChainStore.Source.CODE));
    return found;
  }

  private static Chain call(Method method) {
    if (method.getParameterCount() != 0 || method.getReturnType() != Chain.class) {
      throw new ChainException(
          null,
          null,
          null,
          "@JobChain method " + method + " must take no arguments and return a Chain");
    }
    try {
      method.setAccessible(true);
      Object target = null;
      if (!Modifier.isStatic(method.getModifiers())) {
        var ctor = method.getDeclaringClass().getDeclaredConstructor();
        ctor.setAccessible(true);
        target = ctor.newInstance();
      }
      Chain chain = (Chain) method.invoke(target);
      if (chain == null) {
        throw new ChainException(null, null, null, "@JobChain method " + method + " returned null");
      }
      return chain;
    } catch (ReflectiveOperationException e) {
      throw new ChainException(
          null, null, null, "@JobChain method " + method + " could not be called: " + e);
    }
  }
}
