package dev.healthscore.jobs.recompute;

import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * What a job execution, or one partition of it, has done since it started, counting only
 * the chunks it committed, and aside, those it rolled back; a partition keeps its
 * committed counts in its execution context, where a restart of its job instance finds
 * them.
 */
final class ProgressCounts {

	/** Execution-context key of the users a partition's step execution scored. */
	private static final String USERS = "progress.users";

	/**
	 * Execution-context key of the user ids not in {@code app_user} whose readings a
	 * partition's step execution quarantined.
	 */
	private static final String UNKNOWN_USERS = "progress.unknownUsers";

	/** Execution-context key of the user-days a partition's step execution scored. */
	private static final String USER_DAYS = "progress.userDays";

	/** Execution-context key of the readings a partition's step execution read. */
	private static final String READINGS = "progress.readings";

	private final long started = System.nanoTime();

	private long users;

	private long unknownUsers;

	private long userDays;

	private long readings;

	private long rolledBackChunks;

	private long rolledBackUsers;

	private long rolledBackReadings;

	void read(long readings) {
		this.readings += readings;
	}

	void written(long users, long unknownUsers, long userDays) {
		this.users += users;
		this.unknownUsers += unknownUsers;
		this.userDays += userDays;
	}

	/**
	 * Counts a chunk whose transaction rolled back, apart from the committed work.
	 * @param users the chunk's users, those not in {@code app_user} included
	 * @param readings the chunk's readings
	 */
	void rolledBack(long users, long readings) {
		this.rolledBackChunks++;
		this.rolledBackUsers += users;
		this.rolledBackReadings += readings;
	}

	/** Puts the counts in a partition's execution context. */
	void save(ExecutionContext context) {
		context.putLong(USERS, this.users);
		context.putLong(UNKNOWN_USERS, this.unknownUsers);
		context.putLong(USER_DAYS, this.userDays);
		context.putLong(READINGS, this.readings);
	}

	/**
	 * Adds the counts of a partition's execution context (none in that of a partition
	 * that kept none).
	 */
	void add(ExecutionContext context) {
		this.users += context.getLong(USERS, 0);
		this.unknownUsers += context.getLong(UNKNOWN_USERS, 0);
		this.userDays += context.getLong(USER_DAYS, 0);
		this.readings += context.getLong(READINGS, 0);
	}

	/** These counts and another's, summed. */
	ProgressCounts plus(ProgressCounts other) {
		ProgressCounts sum = new ProgressCounts();
		sum.written(this.users + other.users, this.unknownUsers + other.unknownUsers, this.userDays + other.userDays);
		sum.read(this.readings + other.readings);
		return sum;
	}

	long started() {
		return this.started;
	}

	long users() {
		return this.users;
	}

	long unknownUsers() {
		return this.unknownUsers;
	}

	long userDays() {
		return this.userDays;
	}

	long readings() {
		return this.readings;
	}

	double seconds(long now) {
		return Math.max(1e-9, (now - this.started) / 1e9);
	}

	/**
	 * The chunks rolled back, which the counts leave out, when there were some:
	 * {@code  (not counted: a chunk of 4 users, 96 readings, rolled back)}.
	 */
	String rolledBack() {
		if (this.rolledBackChunks == 0) {
			return "";
		}
		String chunks = (this.rolledBackChunks == 1) ? "a chunk" : this.rolledBackChunks + " chunks";
		return " (not counted: " + chunks + " of " + this.rolledBackUsers
				+ ((this.rolledBackUsers == 1) ? " user, " : " users, ") + this.rolledBackReadings
				+ ((this.rolledBackReadings == 1) ? " reading" : " readings") + ", rolled back)";
	}

	/** The readings of user ids not in {@code app_user}, when there were some. */
	String unknown() {
		return (this.unknownUsers > 0) ? " (and the readings of " + this.unknownUsers
				+ ((this.unknownUsers == 1) ? " user id" : " user ids") + " not in app_user, quarantined)" : "";
	}

}
