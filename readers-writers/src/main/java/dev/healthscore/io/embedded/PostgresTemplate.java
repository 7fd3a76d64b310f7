package dev.healthscore.io.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.util.FileSystemUtils;

/**
 * Starts embedded PostgreSQL servers (zonky) from copies of one data directory that
 * {@code initdb} made once, instead of running {@code initdb} for each: zonky skips it
 * when the data directory already has a {@code postgresql.conf} and is not to be cleaned.
 * The template lives under {@code java.io.tmpdir}, one per PostgreSQL binary (the digest
 * of the archive zonky unpacks) and {@code initdb} locale options; it is made in a
 * staging directory and renamed into place, under a file lock, so that concurrent JVMs
 * never see half of one. Each copy gets its own system identifier. A template that cannot
 * be made or copied falls back to a plain {@code initdb}.
 */
public final class PostgresTemplate {

	private static final Logger logger = LoggerFactory.getLogger(PostgresTemplate.class);

	/**
	 * Bumped when what a template holds changes, so that old ones are not reused.
	 */
	private static final String FORMAT = "healthscore-pg-template 1";

	/** zonky's initdb options before the locale ones (EmbeddedPostgres.initdb). */
	private static final String INITDB_OPTIONS = "-A trust -U postgres -E UTF-8";

	/**
	 * Files of the template's one start that describe that server, not the data: a fresh
	 * initdb has none of them.
	 */
	private static final List<String> RUN_FILES = List.of("epg-lock", "postmaster.opts", "postmaster.pid",
			"pg_stat/pgstat.stat");

	private static final String DATA = "data";

	private static final String MANIFEST = "manifest";

	private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);

	/** File locks belong to the JVM: its threads take turns here first. */
	private static final Object CREATION = new Object();

	private static final PostgresTemplate DEFAULT = new PostgresTemplate(
			Path.of(System.getProperty("java.io.tmpdir"), "healthscore-pg-templates"));

	private static volatile String binaryDigest;

	private final Path root;

	private final Map<String, Path> ready = new ConcurrentHashMap<>();

	private final AtomicInteger initialisations = new AtomicInteger();

	PostgresTemplate(Path root) {
		this.root = root;
	}

	/**
	 * Starts {@code builder}'s server (its server settings, port, startup wait) on a new
	 * data directory {@code dataDirectory} copied from the template made with the default
	 * locale; {@code dataDirectory} must not exist. The server does not remove it when
	 * closed (as it does a directory it initialised itself).
	 */
	public static EmbeddedPostgres start(EmbeddedPostgres.Builder builder, Path dataDirectory) throws IOException {
		return start(builder, dataDirectory, Map.of());
	}

	/**
	 * Starts {@code builder}'s server on a new data directory copied from the template
	 * made with the {@code initdb} locale options {@code locale} (what
	 * {@link EmbeddedPostgres.Builder#setLocaleConfig} takes, which must not be set on
	 * {@code builder}).
	 */
	public static EmbeddedPostgres start(EmbeddedPostgres.Builder builder, Path dataDirectory,
			Map<String, String> locale) throws IOException {
		return DEFAULT.startServer(builder, dataDirectory, locale);
	}

	EmbeddedPostgres startServer(EmbeddedPostgres.Builder builder, Path dataDirectory, Map<String, String> locale)
			throws IOException {
		Path template = null;
		long copying = 0;
		try {
			template = template(locale);
			copying = System.nanoTime();
			copy(template, dataDirectory);
		}
		catch (IOException | RuntimeException ex) {
			if (ex instanceof ChangedTemplateException) {
				discard(template);
			}
			logger.warn("Cannot start PostgreSQL from a template data directory, running initdb instead: {}",
					ex.toString());
			deleteRecursively(dataDirectory);
			locale.forEach(builder::setLocaleConfig);
			template = null;
		}
		if (template != null) {
			logger.debug("Copied the template data directory to {} in {} ms", dataDirectory,
					(System.nanoTime() - copying) / 1_000_000);
		}
		// kept when closed, as a copy is: zonky runs initdb in a directory without
		// postgresql.conf
		return builder.setDataDirectory(dataDirectory).setCleanDataDirectory(false).start();
	}

	/** How many templates this made, each with one initdb. */
	int initialisations() {
		return this.initialisations.get();
	}

	/** The template for {@code locale}: its directory, holding the data and manifest. */
	Path template(Map<String, String> locale) throws IOException {
		String key = key(locale);
		Path cached = this.ready.get(key);
		if (cached != null) {
			return cached;
		}
		Path template = this.root.resolve(key);
		synchronized (CREATION) {
			if (!Files.isDirectory(template)) {
				Files.createDirectories(this.root);
				try (FileChannel channel = FileChannel.open(this.root.resolve(key + ".lock"), StandardOpenOption.CREATE,
						StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
					if (!Files.isDirectory(template)) {
						create(template, key, locale);
					}
				}
			}
		}
		this.ready.put(key, template);
		return template;
	}

	private void create(Path template, String key, Map<String, String> locale) throws IOException {
		long started = System.nanoTime();
		Path staging = Files.createTempDirectory(this.root, key + ".staging-");
		try {
			Path data = staging.resolve(DATA);
			EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
			locale.forEach(builder::setLocaleConfig);
			// the one initdb; a start and a clean stop leave it as any copy will find it
			builder.setDataDirectory(data).setCleanDataDirectory(false).setPGStartupWait(STARTUP_WAIT).start().close();
			if (Files.exists(data.resolve("postmaster.pid"))) {
				throw new IOException("the template's server did not stop");
			}
			for (String file : RUN_FILES) {
				Files.deleteIfExists(data.resolve(file));
			}
			Files.writeString(staging.resolve(MANIFEST), manifest(data), StandardCharsets.UTF_8);
			Files.move(staging, template, StandardCopyOption.ATOMIC_MOVE);
			this.initialisations.incrementAndGet();
			logger.debug("Made the PostgreSQL template data directory {} in {} ms", template,
					(System.nanoTime() - started) / 1_000_000);
		}
		finally {
			deleteRecursively(staging);
		}
	}

	/** Copies the template's data to {@code target}, checked against its manifest. */
	private static void copy(Path template, Path target) throws IOException {
		Path source = template.resolve(DATA);
		Map<String, Long> copied = new TreeMap<>();
		Files.walkFileTree(source, new SimpleFileVisitor<>() {

			@Override
			public FileVisitResult preVisitDirectory(Path directory, BasicFileAttributes attributes)
					throws IOException {
				// the attributes carry the data directory's 0700
				Files.copy(directory, target.resolve(source.relativize(directory).toString()),
						StandardCopyOption.COPY_ATTRIBUTES);
				return FileVisitResult.CONTINUE;
			}

			@Override
			public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
				String relative = source.relativize(file).toString();
				Files.copy(file, target.resolve(relative), StandardCopyOption.COPY_ATTRIBUTES);
				copied.put(relative, attributes.size());
				return FileVisitResult.CONTINUE;
			}

		});
		if (!manifest(copied).equals(Files.readString(template.resolve(MANIFEST), StandardCharsets.UTF_8))) {
			throw new ChangedTemplateException(template);
		}
		SystemIdentifier.renew(target);
	}

	/**
	 * Moves a template that changed since it was made out of the way (under the lock, so
	 * as not to take a new one), so that the next server makes a new one.
	 */
	private void discard(Path template) {
		this.ready.values().remove(template);
		synchronized (CREATION) {
			try (FileChannel channel = FileChannel.open(this.root.resolve(template.getFileName() + ".lock"),
					StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
				if (Files.isDirectory(template)) {
					Path discarded = Files.createTempDirectory(this.root, template.getFileName() + ".discarded-");
					Files.move(template, discarded.resolve(DATA), StandardCopyOption.ATOMIC_MOVE);
					deleteRecursively(discarded);
				}
			}
			catch (IOException ex) {
				logger.warn("Cannot discard the template {}: {}", template, ex.toString());
			}
		}
	}

	private static String manifest(Path data) throws IOException {
		try (Stream<Path> files = Files.walk(data)) {
			Map<String, Long> sizes = new TreeMap<>();
			for (Path file : files.filter(Files::isRegularFile).toList()) {
				sizes.put(data.relativize(file).toString(), Files.size(file));
			}
			return manifest(sizes);
		}
	}

	private static String manifest(Map<String, Long> sizes) {
		return sizes.entrySet()
			.stream()
			.map((entry) -> entry.getKey() + "\t" + entry.getValue() + "\n")
			.collect(Collectors.joining());
	}

	/**
	 * The template's name: what makes two initdb runs give the same data directory.
	 */
	static String key(Map<String, String> locale) throws IOException {
		String what = FORMAT + "\n" + binaryDigest() + "\ninitdb " + INITDB_OPTIONS + " " + new TreeMap<>(locale);
		return "pg-" + HexFormat.of().formatHex(sha256().digest(what.getBytes(StandardCharsets.UTF_8)), 0, 12);
	}

	/** The digest of the PostgreSQL archive zonky unpacks and runs: its version. */
	private static String binaryDigest() throws IOException {
		String digest = binaryDigest;
		if (digest == null) {
			long started = System.nanoTime();
			MessageDigest sha256 = sha256();
			try (InputStream archive = Objects.requireNonNull(
					DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(operatingSystem(), architecture()),
					"no PostgreSQL binaries for this system");
					DigestInputStream in = new DigestInputStream(archive, sha256)) {
				in.transferTo(OutputStream.nullOutputStream());
			}
			digest = HexFormat.of().formatHex(sha256.digest());
			binaryDigest = digest;
			logger.debug("Digested the PostgreSQL binaries in {} ms", (System.nanoTime() - started) / 1_000_000);
		}
		return digest;
	}

	/** As zonky names the system (EmbeddedPostgres.getOS). */
	private static String operatingSystem() {
		String name = System.getProperty("os.name").toLowerCase(Locale.ROOT);
		if (name.startsWith("windows")) {
			return "Windows";
		}
		return name.startsWith("mac") ? "Darwin" : "Linux";
	}

	/** As zonky names the architecture (EmbeddedPostgres.getArchitecture). */
	private static String architecture() {
		String arch = System.getProperty("os.arch");
		return "amd64".equals(arch) ? "x86_64" : arch;
	}

	private static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("Cannot digest: no SHA-256", ex);
		}
	}

	static void deleteRecursively(Path directory) {
		try {
			FileSystemUtils.deleteRecursively(directory);
		}
		catch (IOException ex) {
			logger.warn("Cannot remove {}: {}", directory, ex.toString());
		}
	}

	/** A template whose files are not those it was made with (a tmp cleaner's work). */
	private static final class ChangedTemplateException extends IOException {

		ChangedTemplateException(Path template) {
			super("the template " + template + " no longer holds the files it was made with");
		}

	}

}
