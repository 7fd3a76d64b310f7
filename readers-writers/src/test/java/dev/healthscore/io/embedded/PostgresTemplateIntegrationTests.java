package dev.healthscore.io.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Servers started from a template data directory: one initdb for many servers, each
 * independent (its own data, its own system identifier) and set up as one zonky
 * initialised itself; concurrent JVMs and threads make one template between them.
 */
class PostgresTemplateIntegrationTests {

	@TempDir
	Path root;

	@Test
	void aSecondServerStartsFromTheTemplateWithoutInitdbAndIsIndependentOfTheFirst() throws IOException {
		PostgresTemplate template = new PostgresTemplate(this.root.resolve("templates"));
		try (EmbeddedPostgres first = start(template, "first", Map.of());
				EmbeddedPostgres second = start(template, "second", Map.of())) {
			assertThat(template.initialisations()).isOne();
			assertThat(Files.readString(this.root.resolve("first/PG_VERSION"))).isEqualTo(
					Files.readString(template.template(Map.of()).resolve("data/PG_VERSION"), StandardCharsets.UTF_8));
			JdbcTemplate one = new JdbcTemplate(first.getPostgresDatabase());
			JdbcTemplate two = new JdbcTemplate(second.getPostgresDatabase());
			one.execute("CREATE TABLE note (body text)");
			one.update("INSERT INTO note VALUES ('first')");
			assertThat(one.queryForList("SELECT body FROM note", String.class)).containsExactly("first");
			assertThat(two.queryForObject("SELECT to_regclass('note') IS NULL", Boolean.class)).isTrue();
			two.execute("CREATE TABLE note (body text)");
			assertThat(two.queryForObject("SELECT count(*) FROM note", Long.class)).isZero();
			// each its own cluster: the replica checks tell them apart by this
			assertThat(systemIdentifier(one)).isNotEqualTo(systemIdentifier(two))
				.isNotEqualTo(SystemIdentifier.read(template.template(Map.of()).resolve("data")));
		}
		// closed servers leave their directories to their owner, the template untouched
		assertThat(this.root.resolve("first/postgresql.conf")).exists();
		try (EmbeddedPostgres third = start(template, "third", Map.of())) {
			assertThat(template.initialisations()).isOne();
			assertThat(new JdbcTemplate(third.getPostgresDatabase())
				.queryForObject("SELECT to_regclass('note') IS NULL", Boolean.class)).isTrue();
		}
	}

	@Test
	void aCopyIsSetUpAsAServerThatRanInitdbItself() throws IOException {
		PostgresTemplate template = new PostgresTemplate(this.root.resolve("templates"));
		Map<String, String> utf8 = Map.of("encoding", "UTF8");
		try (EmbeddedPostgres copied = start(template, "copied", utf8);
				EmbeddedPostgres initialised = EmbeddedPostgres.builder()
					.setLocaleConfig("encoding", "UTF8")
					.setServerConfig("fsync", "off")
					.start()) {
			assertThat(setup(copied)).isEqualTo(setup(initialised));
		}
	}

	@Test
	void templatesOfOtherInitdbOptionsAreOthers() throws IOException {
		assertThat(PostgresTemplate.key(Map.of())).isNotEqualTo(PostgresTemplate.key(Map.of("encoding", "UTF8")))
			.isEqualTo(PostgresTemplate.key(Map.of()));
	}

	@Test
	void aTemplateWhoseFilesChangedIsDiscardedAndTheServerRunsInitdb() throws IOException {
		PostgresTemplate template = new PostgresTemplate(this.root.resolve("templates"));
		Path made = template.template(Map.of());
		// what a tmp cleaner does to files nobody read for a while
		Files.delete(made.resolve("data/PG_VERSION"));
		try (EmbeddedPostgres server = start(template, "server", Map.of())) {
			assertThat(new JdbcTemplate(server.getPostgresDatabase()).queryForObject("SELECT 1", Integer.class))
				.isOne();
		}
		assertThat(made).doesNotExist();
		try (EmbeddedPostgres server = start(template, "again", Map.of())) {
			assertThat(template.initialisations()).isEqualTo(2);
		}
	}

	@Test
	void twoJvmsAndTwoThreadsMakingTheTemplateAtOnceMakeOneWholeTemplate() throws Exception {
		Path templates = this.root.resolve("templates");
		Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
				System.getProperty("java.class.path"), TemplateMaker.class.getName(), templates.toString())
			.redirectErrorStream(true)
			.start();
		CyclicBarrier together = new CyclicBarrier(2);
		List<PostgresTemplate> makers = List.of(new PostgresTemplate(templates), new PostgresTemplate(templates));
		List<CompletableFuture<EmbeddedPostgres>> servers = new ArrayList<>();
		for (int i = 0; i < makers.size(); i++) {
			PostgresTemplate maker = makers.get(i);
			String name = "thread" + i;
			servers.add(CompletableFuture.supplyAsync(() -> {
				try {
					together.await();
					return start(maker, name, Map.of());
				}
				catch (Exception ex) {
					throw new IllegalStateException(ex);
				}
			}));
		}
		String output = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(other.waitFor(2, TimeUnit.MINUTES)).isTrue();
		assertThat(other.exitValue()).as(output).isZero();
		int initialisations = Integer.parseInt(output.replaceAll("(?s).*initialisations=(\\d+).*", "$1"));
		for (CompletableFuture<EmbeddedPostgres> server : servers) {
			try (EmbeddedPostgres postgres = server.get(2, TimeUnit.MINUTES)) {
				assertThat(new JdbcTemplate(postgres.getPostgresDatabase()).queryForObject("SELECT 1", Integer.class))
					.isOne();
			}
		}
		assertThat(initialisations + makers.get(0).initialisations() + makers.get(1).initialisations()).isOne();
		try (Stream<Path> entries = Files.list(templates)) {
			// the template and its lock file: no staging directory left
			assertThat(entries.map((entry) -> entry.getFileName().toString()))
				.containsExactlyInAnyOrder(PostgresTemplate.key(Map.of()), PostgresTemplate.key(Map.of()) + ".lock");
		}
	}

	private EmbeddedPostgres start(PostgresTemplate template, String name, Map<String, String> locale)
			throws IOException {
		return template.startServer(EmbeddedPostgres.builder().setServerConfig("fsync", "off"), this.root.resolve(name),
				locale);
	}

	private static long systemIdentifier(JdbcTemplate jdbc) {
		return jdbc.queryForObject("SELECT system_identifier FROM pg_control_system()", Long.class);
	}

	/** What initdb decides: encoding, locale, checksums, WAL segment size, databases. */
	private static List<String> setup(EmbeddedPostgres postgres) {
		JdbcTemplate jdbc = new JdbcTemplate(postgres.getPostgresDatabase());
		List<Map<String, Object>> setup = new ArrayList<>(jdbc.queryForList("""
				SELECT name, setting FROM pg_settings WHERE name IN ('server_encoding', 'lc_messages',
				'lc_monetary', 'lc_numeric', 'lc_time', 'data_checksums', 'wal_segment_size', 'block_size',
				'default_text_search_config', 'max_connections', 'timezone', 'synchronous_commit', 'fsync')
				ORDER BY name"""));
		setup.addAll(jdbc.queryForList("""
				SELECT datname, pg_encoding_to_char(encoding) AS encoding, datcollate, datctype, datlocprovider
				FROM pg_database ORDER BY datname"""));
		setup.addAll(jdbc.queryForList("SELECT rolname, rolsuper FROM pg_roles ORDER BY rolname"));
		setup.addAll(jdbc.queryForList("SELECT type, database, user_name, auth_method FROM pg_hba_file_rules"));
		// as text: the rules' arrays are JDBC arrays, equal to none but themselves
		return setup.stream().map(String::valueOf).toList();
	}

}
