package dev.healthscore.jobs;

import org.springframework.batch.core.job.AbstractJob;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Calls every {@link EveryJobListener} bean for every execution of every job, including
 * jobs defined later: each job gets one listener that looks the beans up when an
 * execution starts or ends, so that a listener can depend on beans that need the jobs
 * themselves (the {@code JobRunner} needs the job operator, which needs the jobs).
 */
@Configuration(proxyBeanMethods = false)
public class EveryJobListeners {

	@Bean
	static BeanPostProcessor everyJobListenersRegistrar(ObjectProvider<EveryJobListener> listeners) {
		return new BeanPostProcessor() {
			@Override
			public Object postProcessAfterInitialization(Object bean, String beanName) {
				if (bean instanceof AbstractJob job) {
					job.registerJobExecutionListener(new JobExecutionListener() {
						@Override
						public void beforeJob(JobExecution execution) {
							listeners.orderedStream().forEach((listener) -> listener.beforeJob(execution));
						}

						@Override
						public void afterJob(JobExecution execution) {
							listeners.orderedStream().forEach((listener) -> listener.afterJob(execution));
						}
					});
				}
				return bean;
			}
		};
	}

	/** A listener of every execution of every job, see {@link EveryJobListeners}. */
	public interface EveryJobListener extends JobExecutionListener {

	}

}
