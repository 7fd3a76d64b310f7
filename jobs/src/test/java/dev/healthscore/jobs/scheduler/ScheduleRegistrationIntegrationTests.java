package dev.healthscore.jobs.scheduler;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;
import dev.healthscore.schedules.ScheduleDefinition;
import dev.healthscore.schedules.ScheduledJobLauncher;
import dev.healthscore.schedules.Schedules;
import dev.healthscore.schedules.quartz.QuartzSchedules;
import dev.healthscore.io.embedded.TemporaryPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.impl.matchers.GroupMatcher;

import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.support.PropertiesLoaderUtils;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.quartz.SchedulerFactoryBean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Scheduler nodes that start at the same moment on one database, with the application's
 * Quartz settings and Spring's JDBC job store, as Spring Boot builds it: each registers
 * the catalogue, none fails, and the catalogue's jobs end up stored once.
 */
class ScheduleRegistrationIntegrationTests {

	private static final int ROUNDS = 25;

	private static final ScheduledJobLauncher NEVER_FIRED = (launch) -> {
		throw new AssertionError("no scheduler is started: " + launch);
	};

	private static TemporaryPostgres postgres;

	private static HikariDataSource dataSource;

	private static JdbcTemplate jdbc;

	@BeforeAll
	static void start() throws IOException {
		postgres = TemporaryPostgres.start(EmbeddedPostgres.builder().setServerConfig("fsync", "off"));
		dataSource = new HikariDataSource();
		dataSource.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
		dataSource.setUsername("postgres");
		Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
		jdbc = new JdbcTemplate(dataSource);
	}

	@AfterAll
	static void stop() throws IOException {
		dataSource.close();
		postgres.close();
	}

	@Test
	void nodesStartingTogetherOnAnEmptyJobStoreEachRegisterTheCatalogueOnce() throws Exception {
		List<SchedulerFactoryBean> nodes = List.of(node("a"), node("b"), node("c"));
		ExecutorService threads = Executors.newFixedThreadPool(nodes.size());
		try {
			for (int round = 0; round < ROUNDS; round++) {
				// a fresh job store each round, its lock rows included
				jdbc.update("DELETE FROM qrtz_cron_triggers");
				jdbc.update("DELETE FROM qrtz_triggers");
				jdbc.update("DELETE FROM qrtz_job_details");
				jdbc.update("DELETE FROM qrtz_locks");
				CyclicBarrier together = new CyclicBarrier(nodes.size());
				List<Future<?>> registrations = new ArrayList<>();
				for (SchedulerFactoryBean node : nodes) {
					Scheduler scheduler = node.getScheduler();
					registrations.add(threads.submit(() -> {
						together.await();
						ScheduleRegistration.register(dataSource, scheduler, Schedules.defaults(), NEVER_FIRED);
						return null;
					}));
				}
				for (Future<?> registration : registrations) {
					registration.get(60, TimeUnit.SECONDS);
				}
				assertThat(nodes.get(0).getScheduler().getJobKeys(GroupMatcher.jobGroupEquals(QuartzSchedules.GROUP)))
					.as("round %d", round)
					.hasSameSizeAs(Schedules.defaults().definitions());
				assertThat(jdbc.queryForObject("SELECT count(*) FROM qrtz_cron_triggers", Integer.class))
					.as("round %d", round)
					.isEqualTo(Schedules.defaults().definitions().size());
			}
		}
		finally {
			threads.shutdownNow();
			for (SchedulerFactoryBean node : nodes) {
				node.destroy();
			}
		}
	}

	@Test
	void aRegistrationTheSchedulerRefusesChangesNothing() throws Exception {
		SchedulerFactoryBean node = node("refused");
		try {
			jdbc.update("DELETE FROM qrtz_cron_triggers");
			jdbc.update("DELETE FROM qrtz_triggers");
			jdbc.update("DELETE FROM qrtz_job_details");
			Schedules bad = new Schedules(List.of(Schedules.defaults().definitions().get(0),
					withCron(Schedules.defaults().definitions().get(1), "0 0 0 31 2 ?")));
			assertThatThrownBy(() -> ScheduleRegistration.register(dataSource, node.getScheduler(), bad, NEVER_FIRED))
				.isInstanceOf(SchedulerException.class);
			assertThat(jdbc.queryForObject("SELECT count(*) FROM qrtz_job_details", Integer.class))
				.as("the first schedule, stored before the second was refused, rolled back")
				.isZero();
		}
		finally {
			node.destroy();
		}
	}

	private static ScheduleDefinition withCron(ScheduleDefinition definition, String cron) {
		return new ScheduleDefinition(definition.name(), cron, definition.timeZone(), definition.misfirePolicy(),
				definition.steps());
	}

	/** A node as Spring Boot builds it from the application's {@code spring.quartz.*}. */
	private static SchedulerFactoryBean node(String name) throws Exception {
		Properties application = PropertiesLoaderUtils.loadProperties(new ClassPathResource("application.properties"));
		Properties quartz = new Properties();
		String prefix = "spring.quartz.properties.";
		application.stringPropertyNames()
			.stream()
			.filter((key) -> key.startsWith(prefix))
			.forEach((key) -> quartz.setProperty(key.substring(prefix.length()), application.getProperty(key)));
		assertThat(quartz).containsEntry("org.quartz.jobStore.isClustered", "true");
		SchedulerFactoryBean factory = new SchedulerFactoryBean();
		factory.setSchedulerName(application.getProperty("spring.quartz.scheduler-name"));
		factory.setBeanName(name);
		factory.setQuartzProperties(quartz);
		factory.setDataSource(dataSource);
		factory.setAutoStartup(false);
		factory.afterPropertiesSet();
		return factory;
	}

}
