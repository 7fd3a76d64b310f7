package dev.healthscore.infra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The task role grants exactly the S3 actions that the application's S3 calls need, no
 * more: a grant nothing calls is access an attacker with the task's credentials gets for
 * free, and a call without its grant fails with AccessDenied in production only. infra
 * may not depend on the application's modules (DESIGN.md section 2), so their S3 calls
 * are read from the source tree: every method called on a variable declared as an
 * {@code S3Client}.
 */
class S3ActionsAgreeWithTheCodeTests {

	private static final List<Path> APPLICATION_SOURCES = List.of(Path.of("..", "readers-writers", "src", "main"),
			Path.of("..", "jobs", "src", "main"));

	/**
	 * The IAM action each S3 operation the application calls needs (Service Authorization
	 * Reference, Amazon S3). A call this map does not know fails the test: add it with
	 * its action, and the grant in {@link JobTask} if it needs a new one.
	 */
	private static final Map<String, String> ACTION_OF_OPERATION = Map.ofEntries(Map.entry("getObject", "s3:GetObject"),
			Map.entry("getObjectAsBytes", "s3:GetObject"), Map.entry("headObject", "s3:GetObject"),
			Map.entry("putObject", "s3:PutObject"),
			// the three steps of a multipart upload are authorized as PutObject
			Map.entry("createMultipartUpload", "s3:PutObject"), Map.entry("uploadPart", "s3:PutObject"),
			Map.entry("completeMultipartUpload", "s3:PutObject"),
			Map.entry("abortMultipartUpload", "s3:AbortMultipartUpload"), Map.entry("deleteObject", "s3:DeleteObject"),
			Map.entry("deleteObjects", "s3:DeleteObject"), Map.entry("listObjectsV2", "s3:ListBucket"),
			Map.entry("listObjectsV2Paginator", "s3:ListBucket"), Map.entry("headBucket", "s3:ListBucket"),
			Map.entry("listMultipartUploads", "s3:ListBucketMultipartUploads"),
			Map.entry("listMultipartUploadsPaginator", "s3:ListBucketMultipartUploads"),
			Map.entry("listParts", "s3:ListMultipartUploadParts"),
			Map.entry("listPartsPaginator", "s3:ListMultipartUploadParts"));

	/** Methods of an S3Client that send no request. */
	private static final Set<String> NOT_REQUESTS = Set.of("close", "serviceName", "serviceClientConfiguration",
			"utilities", "waiter");

	private static final Pattern S3_CLIENT_VARIABLE = Pattern.compile("\\bS3Client\\s+(\\w+)\\s*[;,)=]");

	@Test
	void theTaskRoleGrantsTheS3ActionsTheApplicationCallsAndNoOther() throws IOException {
		Map<String, Set<String>> calls = s3Calls();
		// the scan finds the archive's calls; none found means it no longer reads the
		// code (moved sources, a renamed type) rather than that the code calls nothing
		assertThat(calls).containsKeys("putObject", "getObject", "listMultipartUploadsPaginator");
		assertThat(calls.keySet()).as("S3 calls of the application (name: files) without a known IAM action: %s", calls)
			.isSubsetOf(ACTION_OF_OPERATION.keySet());
		Set<String> needed = calls.keySet()
			.stream()
			.map(ACTION_OF_OPERATION::get)
			.collect(Collectors.toCollection(TreeSet::new));
		assertThat(grantedS3Actions()).as("S3 actions granted to the task role; the calls are %s", calls)
			.isEqualTo(needed);
	}

	/**
	 * The methods called on an S3Client in the application's main sources, with the files
	 * calling them. The in-process S3 server of the embedded default (its bucket
	 * creation) never runs against AWS.
	 */
	private static Map<String, Set<String>> s3Calls() throws IOException {
		Map<String, Set<String>> calls = new TreeMap<>();
		for (Path file : javaFiles()) {
			if (file.getFileName().toString().startsWith("Embedded")) {
				continue;
			}
			String source = Files.readString(file, StandardCharsets.UTF_8);
			Matcher variable = S3_CLIENT_VARIABLE.matcher(source);
			Set<String> variables = new TreeSet<>();
			while (variable.find()) {
				variables.add(variable.group(1));
			}
			if (variables.isEmpty()) {
				continue;
			}
			Matcher call = Pattern.compile("\\b(?:" + String.join("|", variables) + ")\\s*\\.\\s*(\\w+)\\s*\\(")
				.matcher(source);
			while (call.find()) {
				if (!NOT_REQUESTS.contains(call.group(1))) {
					calls.computeIfAbsent(call.group(1), (name) -> new TreeSet<>()).add(file.getFileName().toString());
				}
			}
		}
		return calls;
	}

	private static List<Path> javaFiles() throws IOException {
		List<Path> files = new ArrayList<>();
		for (Path root : APPLICATION_SOURCES) {
			assertThat(root).isDirectory();
			try (Stream<Path> walk = Files.walk(root)) {
				walk.filter((path) -> path.toString().endsWith(".java")).sorted().forEach(files::add);
			}
		}
		return files;
	}

	/** The S3 actions the statements of the task role's policies allow. */
	@SuppressWarnings("unchecked")
	private static Set<String> grantedS3Actions() {
		String taskRole = String
			.valueOf(((List<Object>) ((Map<String, Object>) SynthesizedStack.single("AWS::ECS::TaskDefinition")
				.get("TaskRoleArn")).get("Fn::GetAtt")).get(0));
		Set<String> granted = new TreeSet<>();
		SynthesizedStack.properties("AWS::IAM::Policy")
			.values()
			.stream()
			.filter((policy) -> String.valueOf(policy.get("Roles")).contains("{Ref=" + taskRole + "}"))
			.flatMap((policy) -> listOf(((Map<String, Object>) policy.get("PolicyDocument")).get("Statement")).stream())
			.map((statement) -> (Map<String, Object>) statement)
			.filter((statement) -> "Allow".equals(statement.get("Effect")))
			.flatMap((statement) -> listOf(statement.get("Action")).stream())
			.map(String::valueOf)
			.filter((action) -> action.startsWith("s3:"))
			.forEach(granted::add);
		return granted;
	}

	private static List<?> listOf(Object value) {
		if (value == null) {
			return List.of();
		}
		return (value instanceof List<?> list) ? list : List.of(value);
	}

}
