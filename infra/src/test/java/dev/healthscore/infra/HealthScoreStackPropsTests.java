package dev.healthscore.infra;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class HealthScoreStackPropsTests {

	@Test
	void readsContextWithDefaults() {
		HealthScoreStackProps props = fromContext(SynthesizedStack.CONTEXT);
		assertThat(props.availabilityZones()).containsExactly("zone-a", "zone-b");
		assertThat(props.privateSubnetIds()).containsExactly("subnet-0a", "subnet-0b");
		assertThat(props.databasePort()).isEqualTo(5432);
		assertThat(props.databaseName()).isEqualTo("healthscore");
		assertThat(props.archivePrefix()).isEqualTo("archive");
		assertThat(props.imageRepository()).isEqualTo("healthscore");
		assertThat(props.athenaBytesScannedCutoff()).isEqualTo(10L * 1024 * 1024 * 1024);
	}

	@Test
	void takesTheDatabaseSecretsKeyWhenGivenAndRejectsWhatIsNoKeyArn() {
		assertThat(fromContext(SynthesizedStack.CONTEXT).databaseSecretKeyArn()).isNull();
		Map<String, Object> context = new HashMap<>(SynthesizedStack.CONTEXT);
		String key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
		context.put(HealthScoreStackProps.DATABASE_SECRET_KMS_KEY_ARN, key);
		assertThat(fromContext(context).databaseSecretKeyArn()).isEqualTo(key);
		context.put(HealthScoreStackProps.DATABASE_SECRET_KMS_KEY_ARN, "alias/healthscore-db");
		assertThatIllegalArgumentException().isThrownBy(() -> fromContext(context))
			.withMessage("Invalid database secret KMS key 'alias/healthscore-db', expected a key ARN"
					+ " (arn:aws:kms:<region>:<account>:key/<id>)");
	}

	@Test
	void missingContextNamesTheKey() {
		Map<String, Object> context = new HashMap<>(SynthesizedStack.CONTEXT);
		context.remove(HealthScoreStackProps.DATABASE_SECRET_NAME);
		assertThatIllegalArgumentException().isThrownBy(() -> fromContext(context))
			.withMessage("Missing CDK context value 'database-secret-name', pass it with -c database-secret-name=...");
	}

	@Test
	void rejectsSubnetsThatDoNotFitTheZones() {
		Map<String, Object> context = new HashMap<>(SynthesizedStack.CONTEXT);
		context.put(HealthScoreStackProps.PRIVATE_SUBNET_IDS, List.of("subnet-0a"));
		assertThatIllegalArgumentException().isThrownBy(() -> fromContext(context))
			.withMessage(
					"Invalid subnets, expected a non-empty multiple of the 2 availability zones but got [subnet-0a]");
	}

	@Test
	void rejectsArchivePrefixWithSlashes() {
		Map<String, Object> context = new HashMap<>(SynthesizedStack.CONTEXT);
		context.put(HealthScoreStackProps.ARCHIVE_PREFIX, "/archive/");
		assertThatIllegalArgumentException().isThrownBy(() -> fromContext(context))
			.withMessage("Invalid archive prefix '/archive/', expected no leading or trailing slash");
	}

	@Test
	void takesTheDatabaseMajorVersionOrSeventeenAndRejectsAFullVersion() {
		assertThat(fromContext(SynthesizedStack.CONTEXT).databaseMajorVersion()).isEqualTo("17");
		Map<String, Object> context = new HashMap<>(SynthesizedStack.CONTEXT);
		context.put(HealthScoreStackProps.DATABASE_MAJOR_VERSION, "16");
		assertThat(fromContext(context).databaseMajorVersion()).isEqualTo("16");
		context.put(HealthScoreStackProps.DATABASE_MAJOR_VERSION, "16.4");
		assertThatIllegalArgumentException().isThrownBy(() -> fromContext(context))
			.withMessage("Invalid database major version '16.4', expected a PostgreSQL major version such as 17");
	}

	@Test
	void theJdbcUrlsVerifyTheServerByDefaultAndNeverAllowPlainText() {
		HealthScoreStackProps props = fromContext(SynthesizedStack.CONTEXT);
		assertThat(props.jdbcUrl("db.example", "5432"))
			.isEqualTo("jdbc:postgresql://db.example:5432/healthscore?sslmode=verify-full&sslrootcert="
					+ HealthScoreStackProps.DATABASE_SSL_ROOT_CERT_DEFAULT);
		Map<String, Object> context = new HashMap<>(SynthesizedStack.CONTEXT);
		context.put(HealthScoreStackProps.DATABASE_SSL_MODE, "verify-ca");
		context.put(HealthScoreStackProps.DATABASE_SSL_ROOT_CERT, "/etc/ssl/db/ca.pem");
		assertThat(fromContext(context).jdbcUrl("db.example", "5432")).isEqualTo(
				"jdbc:postgresql://db.example:5432/healthscore?sslmode=verify-ca&sslrootcert=/etc/ssl/db/ca.pem");
		context.put(HealthScoreStackProps.DATABASE_SSL_MODE, "require");
		assertThat(fromContext(context).jdbcUrl("db.example", "5432"))
			.isEqualTo("jdbc:postgresql://db.example:5432/healthscore?sslmode=require");
		for (String plain : List.of("prefer", "allow", "disable", "VERIFY-FULL")) {
			context.put(HealthScoreStackProps.DATABASE_SSL_MODE, plain);
			assertThatIllegalArgumentException().isThrownBy(() -> fromContext(context))
				.withMessage("Invalid database SSL mode '" + plain
						+ "', expected verify-full, verify-ca or require: the tasks connect to the database over TLS only");
		}
		context.put(HealthScoreStackProps.DATABASE_SSL_MODE, "verify-full");
		context.put(HealthScoreStackProps.DATABASE_SSL_ROOT_CERT, "ca.pem&sslmode=disable");
		assertThatIllegalArgumentException().isThrownBy(() -> fromContext(context))
			.withMessage("Invalid database SSL root certificate 'ca.pem&sslmode=disable', expected an absolute path"
					+ " in the image of letters, digits, '.', '_', '-' and '/'");
	}

	private static HealthScoreStackProps fromContext(Map<String, Object> context) {
		return HealthScoreStackProps.fromContext(new App(AppProps.builder().context(context).build()).getNode());
	}

}
