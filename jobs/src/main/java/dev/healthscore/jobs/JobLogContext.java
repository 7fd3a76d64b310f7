package dev.healthscore.jobs;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.slf4j.MDC;

import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.AbstractJob;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.AbstractStep;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * Puts the job execution and step a log line belongs to in the logging context (the SLF4J
 * MDC) of every execution of every job and step, so that an operator can find every line
 * of one run: they are fields of the JSON lines in CloudWatch, and the text lines show
 * the execution id. Each job and step bean gets one listener, first to run before and
 * last after the others; afterwards the thread has the context it had before, so that a
 * process running job after job (the scheduler) carries nothing into the next job's
 * lines. Our worker threads take the context along with their tasks
 * ({@code dev.healthscore.io.LogContext}).
 * <p>
 * Spring Batch's own lines around a run, the job operator's {@code Job: [...] launched
 * with the following parameters} and {@code ... completed with the following parameters:
 * ... and the following status: [FAILED]}, come before the job's listeners run and after
 * they ran: a launch ({@link Launches}) puts the keys of the execution it creates in the
 * launching thread's context from its creation on, and gives the thread back what it had
 * once the launch returns. The operator runs the job on the launching thread (Spring
 * Boot's synchronous task executor), so these lines are logged there.
 */
@Configuration(proxyBeanMethods = false)
public class JobLogContext {

	/** The job's name ({@code recompute}). */
	public static final String JOB_NAME = "job.name";

	/**
	 * The job execution's id, as {@code status}, {@code restart} and {@code stop} take
	 * it.
	 */
	public static final String JOB_EXECUTION_ID = "job.execution.id";

	/** The job instance's id: the executions of one job and parameters share it. */
	public static final String JOB_INSTANCE_ID = "job.instance.id";

	/** The step's name ({@code recomputeScoresWorker:partition0} for a partition). */
	public static final String STEP_NAME = "step.name";

	/** The step execution's id. */
	public static final String STEP_EXECUTION_ID = "step.execution.id";

	/** Every key this context sets. */
	public static final List<String> KEYS = List.of(JOB_NAME, JOB_EXECUTION_ID, JOB_INSTANCE_ID, STEP_NAME,
			STEP_EXECUTION_ID);

	/**
	 * Puts a job execution's keys in this thread's logging context until the returned
	 * scope is closed: for lines about a run logged after it ended, such as its summary.
	 * @param execution the job execution
	 * @return the scope, which gives the thread back the values it had before
	 */
	public static Scope open(JobExecution execution) {
		Map<String, String> previous = values();
		Listener.enterJob(execution);
		return () -> restore(previous);
	}

	/**
	 * Puts a job's name in this thread's logging context, and none of an execution's or a
	 * step's keys, until the returned scope is closed: for the lines logged about a run
	 * before it starts (a refusal, a note on its parameters).
	 * @param jobName the job's name
	 * @return the scope, which gives the thread back the values it had before
	 */
	public static Scope open(String jobName) {
		Map<String, String> previous = values();
		enterJobName(jobName);
		return () -> restore(previous);
	}

	@Bean
	static BeanPostProcessor jobLaunchLogContext() {
		return new BeanPostProcessor() {
			@Override
			public Object postProcessAfterInitialization(Object bean, String beanName) {
				if (bean instanceof JobOperator) {
					return advise(bean, new Launches());
				}
				if (bean instanceof JobRepository) {
					return advise(bean, new Creations());
				}
				return bean;
			}
		};
	}

	/** Adds the advice first to a proxy's chain, or proxies the bean with it. */
	private static Object advise(Object bean, MethodInterceptor advice) {
		if (bean instanceof Advised advised && !advised.isFrozen()) {
			advised.addAdvice(0, advice);
			return bean;
		}
		ProxyFactory factory = new ProxyFactory(bean);
		factory.addAdvice(advice);
		return factory.getProxy(bean.getClass().getClassLoader());
	}

	@Bean
	static BeanPostProcessor jobLogContextRegistrar() {
		Listener listener = new Listener();
		return new BeanPostProcessor() {
			@Override
			public Object postProcessAfterInitialization(Object bean, String beanName) {
				if (bean instanceof AbstractJob job) {
					job.registerJobExecutionListener(listener);
				}
				if (bean instanceof AbstractStep step) {
					step.registerStepExecutionListener(listener);
				}
				return bean;
			}
		};
	}

	/**
	 * Sets the keys for a job or step and gives the thread back the values it had before:
	 * a step runs inside its job, a partition's step inside its manager's when they share
	 * a thread.
	 */
	static final class Listener implements JobExecutionListener, StepExecutionListener, Ordered {

		private final ThreadLocal<Deque<Map<String, String>>> saved = ThreadLocal.withInitial(ArrayDeque::new);

		@Override
		public int getOrder() {
			return Ordered.HIGHEST_PRECEDENCE;
		}

		@Override
		public void beforeJob(JobExecution execution) {
			save();
			enterJob(execution);
		}

		@Override
		public void afterJob(JobExecution execution) {
			restore();
		}

		@Override
		public void beforeStep(StepExecution execution) {
			save();
			putJob(execution.getJobExecution());
			MDC.put(STEP_NAME, execution.getStepName());
			MDC.put(STEP_EXECUTION_ID, String.valueOf(execution.getId()));
		}

		@Override
		public ExitStatus afterStep(StepExecution execution) {
			restore();
			return null;
		}

		/**
		 * Sets the job's keys and clears the step's: lines of the job outside its steps.
		 */
		private static void enterJob(JobExecution execution) {
			putJob(execution);
			MDC.remove(STEP_NAME);
			MDC.remove(STEP_EXECUTION_ID);
		}

		private static void putJob(JobExecution execution) {
			MDC.put(JOB_NAME, execution.getJobInstance().getJobName());
			MDC.put(JOB_EXECUTION_ID, String.valueOf(execution.getId()));
			MDC.put(JOB_INSTANCE_ID, String.valueOf(execution.getJobInstanceId()));
		}

		private void save() {
			this.saved.get().push(values());
		}

		/**
		 * Gives back the saved values; none saved (a job refused its parameters): none.
		 */
		private void restore() {
			Deque<Map<String, String>> stack = this.saved.get();
			Map<String, String> values = stack.poll();
			if (stack.isEmpty()) {
				this.saved.remove();
			}
			JobLogContext.restore((values != null) ? values : Map.of());
		}

	}

	/**
	 * Around each launch of the job operator ({@code start}, {@code restart},
	 * {@code startNextInstance}, {@code run}): sets the job's name (a restart: the
	 * restarted execution's keys, which its {@code Resuming job execution} line is about)
	 * and gives the thread back its values when the launch returns, after the operator's
	 * {@code completed} line.
	 */
	static final class Launches implements MethodInterceptor {

		private static final Set<String> LAUNCHES = Set.of("start", "restart", "startNextInstance", "run");

		/** Set while this thread is inside a launch (a job may launch another). */
		private static final ThreadLocal<Boolean> launching = new ThreadLocal<>();

		@Override
		public Object invoke(MethodInvocation invocation) throws Throwable {
			if (!LAUNCHES.contains(invocation.getMethod().getName())) {
				return invocation.proceed();
			}
			Object[] arguments = invocation.getArguments();
			Object subject = (arguments.length > 0) ? arguments[0] : null;
			boolean outermost = launching.get() == null;
			launching.set(Boolean.TRUE);
			try (Scope scope = (subject instanceof JobExecution restarted) ? open(restarted) : open(
					(subject instanceof Job job) ? job.getName() : (subject instanceof String name) ? name : null)) {
				return invocation.proceed();
			}
			finally {
				if (outermost) {
					launching.remove();
				}
			}
		}

		static boolean launching() {
			return launching.get() != null;
		}

	}

	/**
	 * After the job repository created an execution for a launch of this thread: sets its
	 * keys, before the operator logs that it launched it. An execution created outside a
	 * launch (a test recording one) changes nothing.
	 */
	static final class Creations implements MethodInterceptor {

		@Override
		public Object invoke(MethodInvocation invocation) throws Throwable {
			Object result = invocation.proceed();
			if (result instanceof JobExecution execution && Launches.launching()
					&& invocation.getMethod().getName().equals("createJobExecution")) {
				Listener.enterJob(execution);
			}
			return result;
		}

	}

	/**
	 * Sets the job's name (none when null) and clears an execution's and a step's keys.
	 */
	private static void enterJobName(String jobName) {
		KEYS.forEach(MDC::remove);
		if (jobName != null) {
			MDC.put(JOB_NAME, jobName);
		}
	}

	/** The current values of the keys, null for those unset. */
	private static Map<String, String> values() {
		Map<String, String> values = new HashMap<>();
		KEYS.forEach((key) -> values.put(key, MDC.get(key)));
		return values;
	}

	private static void restore(Map<String, String> values) {
		for (String key : KEYS) {
			String value = values.get(key);
			if (value != null) {
				MDC.put(key, value);
			}
			else {
				MDC.remove(key);
			}
		}
	}

	/** Keys put in the logging context until closed, see {@link #open}. */
	public interface Scope extends AutoCloseable {

		@Override
		void close();

	}

}
