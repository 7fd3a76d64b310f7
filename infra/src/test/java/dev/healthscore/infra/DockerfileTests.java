package dev.healthscore.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The application image ({@code infra/Dockerfile}): it runs the jar the README builds, in
 * UTC and logging JSON, and its JVM options keep the process's exit code one of the
 * meanings the README gives it, or none of them.
 */
class DockerfileTests {

	/**
	 * The exit codes the application gives a meaning (README, "Exit codes"): 3 is "the
	 * same job is already running; nothing was started".
	 */
	private static final List<Integer> APPLICATION_EXIT_CODES = List.of(0, 1, 2, 3, 4, 5);

	private static final Path DOCKERFILE = Path.of("Dockerfile");

	@Test
	void theImageRunsTheJarTheReadmeBuildsInUtcLoggingJson() throws IOException {
		List<String> instructions = instructions();
		assertThat(instructions).contains("COPY --from=build /src/jobs/target/healthscore-exec.jar healthscore.jar");
		assertThat(Files.readString(Path.of("..", "README.md")))
			.contains("mvn -B -q package -DskipTests && java -jar jobs/target/healthscore-exec.jar");
		assertThat(instructions).contains("ENTRYPOINT [\"java\", \"-jar\", \"healthscore.jar\"]");
		assertThat(environment()).containsEntry("TZ", "UTC")
			.containsEntry(ContainerEnvironment.LOG_FORMAT, ContainerEnvironment.LOG_FORMAT_ECS);
	}

	/**
	 * The tasks verify the database's certificate against the RDS CA bundle at the path
	 * their JDBC URLs name (HealthScoreStackTests); the JRE's trust store does not hold
	 * the RDS CAs. The deployer downloads the bundle into the build context, which the
	 * build's ignore file must then not leave out.
	 */
	@Test
	@SuppressWarnings("unchecked")
	void theImageHoldsTheRdsCaBundleWhereTheTasksJdbcUrlsLookForIt() throws IOException {
		String environment = String
			.valueOf(((List<Map<String, Object>>) SynthesizedStack.single("AWS::ECS::TaskDefinition")
				.get("ContainerDefinitions")).get(0).get("Environment"));
		Matcher rootCert = Pattern.compile("sslrootcert=([^&,}\\]]+)").matcher(environment);
		assertThat(rootCert.find()).as("sslrootcert in %s", environment).isTrue();
		assertThat(instructions()).contains("COPY infra/rds-ca-bundle.pem " + rootCert.group(1));
		assertThat(Files.readString(Path.of("Dockerfile.dockerignore"))).doesNotContain("pem");
	}

	/**
	 * A job that runs out of heap must not end as if another run held its lock:
	 * {@code -XX:+ExitOnOutOfMemoryError} exits with 3, the application's "already
	 * running, nothing was started", which tells the operator there is nothing to rerun.
	 * The image's JVM options, given to a JVM that runs out of heap, end it with a code
	 * the application does not use: 137, killed. The JVM runs as a child process, as
	 * under the init process of the ECS task (HealthScoreStackTests): as a container's
	 * PID 1 the kill is ignored, and ExitOnOutOfMemoryError ends it with 3 after all.
	 */
	@Test
	void aJvmOutOfHeapEndsWithACodeTheApplicationDoesNotUse() throws Exception {
		String options = environment().get("JAVA_TOOL_OPTIONS");
		assertThat(options).isNotNull();
		ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-Xmx32m", "-cp", Path.of("target", "test-classes").toString(), OutOfHeap.class.getName())
			.redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.DISCARD);
		builder.environment().put("JAVA_TOOL_OPTIONS", options);
		Process process = builder.start();
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("ended").isTrue();
		assertThat(process.exitValue()).as("exit code of a JVM out of heap with %s", options)
			.isNotIn(APPLICATION_EXIT_CODES)
			.isEqualTo(137);
	}

	/** Fills the heap until it runs out. */
	static final class OutOfHeap {

		public static void main(String[] args) {
			List<long[]> blocks = new ArrayList<>();
			while (true) {
				blocks.add(new long[1 << 20]);
			}
		}

	}

	/** The Dockerfile's instructions, continuation lines joined, comments left out. */
	private static List<String> instructions() throws IOException {
		List<String> instructions = new ArrayList<>();
		StringBuilder current = new StringBuilder();
		for (String line : Files.readAllLines(DOCKERFILE)) {
			String stripped = line.strip();
			if (stripped.startsWith("#") || (stripped.isEmpty() && current.isEmpty())) {
				continue;
			}
			if (stripped.endsWith("\\")) {
				current.append(stripped, 0, stripped.length() - 1).append(' ');
				continue;
			}
			instructions.add(current.append(stripped).toString().replaceAll("\\s+", " ").strip());
			current.setLength(0);
		}
		return instructions;
	}

	/**
	 * The variables the {@code ENV} instructions set ({@code NAME=value}, the value plain
	 * or in double quotes).
	 */
	private static Map<String, String> environment() throws IOException {
		Map<String, String> environment = new LinkedHashMap<>();
		for (String instruction : instructions()) {
			if (!instruction.startsWith("ENV ")) {
				continue;
			}
			String rest = instruction.substring(4);
			int i = 0;
			while (i < rest.length()) {
				int equals = rest.indexOf('=', i);
				String name = rest.substring(i, equals).strip();
				StringBuilder value = new StringBuilder();
				i = equals + 1;
				boolean quoted = i < rest.length() && rest.charAt(i) == '"';
				if (quoted) {
					i++;
				}
				while (i < rest.length() && (quoted ? rest.charAt(i) != '"' : rest.charAt(i) != ' ')) {
					if (quoted && rest.charAt(i) == '\\') {
						i++;
					}
					value.append(rest.charAt(i++));
				}
				environment.put(name, value.toString());
				i += quoted ? 2 : 1;
			}
		}
		return environment;
	}

}
