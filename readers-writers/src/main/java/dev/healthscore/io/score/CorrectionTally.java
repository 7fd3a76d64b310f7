package dev.healthscore.io.score;

import java.time.LocalDate;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Running totals of what reconciling found and changed: rows by kind of change,
 * corrections by reason, the distribution of score deltas and the oldest corrected day.
 * Encodes to one line of text so that a restarted step continues its totals from the
 * step's execution context.
 */
public final class CorrectionTally {

	/** The delta of a row whose score was a number and is null now, or was deleted. */
	public static final String BECAME_NULL = "became_null";

	/** The delta of a row whose score was null, or missing, and is a number now. */
	public static final String BECAME_SCORED = "became_scored";

	private final Map<ScoreChange.Kind, Long> kinds = new EnumMap<>(ScoreChange.Kind.class);

	private final Map<String, Long> reasons = new TreeMap<>();

	private final Map<String, Long> deltas = new TreeMap<>();

	private LocalDate oldestCorrected;

	/** Adds one suspect's outcome. */
	public void add(ScoreChange change) {
		this.kinds.merge(change.kind(), 1L, Long::sum);
		if (!change.kind().corrects()) {
			return;
		}
		change.reasons().forEach((reason) -> this.reasons.merge(reason, 1L, Long::sum));
		String delta = delta(change);
		if (delta != null) {
			this.deltas.merge(delta, 1L, Long::sum);
		}
		if (this.oldestCorrected == null || change.day().isBefore(this.oldestCorrected)) {
			this.oldestCorrected = change.day();
		}
	}

	private static String delta(ScoreChange change) {
		Integer before = (change.before() != null) ? change.before().score() : null;
		Integer after = (change.after() != null) ? change.after().score() : null;
		if (before != null && after != null) {
			return Integer.toString(after - before);
		}
		if (before != null) {
			return BECAME_NULL;
		}
		return (after != null) ? BECAME_SCORED : null;
	}

	/** How many suspects had this outcome. */
	public long count(ScoreChange.Kind kind) {
		return this.kinds.getOrDefault(kind, 0L);
	}

	/** How many suspects were checked. */
	public long checked() {
		return this.kinds.values().stream().mapToLong(Long::longValue).sum();
	}

	/** How many rows were corrected (inserted, updated or deleted). */
	public long corrected() {
		return count(ScoreChange.Kind.INSERT) + count(ScoreChange.Kind.UPDATE) + count(ScoreChange.Kind.DELETE);
	}

	/** Corrected rows by reason; a row with several reasons counts under each. */
	public Map<String, Long> reasons() {
		return Map.copyOf(this.reasons);
	}

	/**
	 * Corrected rows by score delta (new minus old, as text, when both are scores), or
	 * {@link #BECAME_NULL} / {@link #BECAME_SCORED}; a row without a score on either side
	 * (inserted or deleted with a null score) has no delta.
	 */
	public Map<String, Long> deltas() {
		return Map.copyOf(this.deltas);
	}

	/** The oldest day whose row was corrected, or {@code null}. */
	public LocalDate oldestCorrected() {
		return this.oldestCorrected;
	}

	/**
	 * The totals as one line: {@code kind.INSERT=3;reason.late_data=2;delta.-1=1;...}.
	 */
	public String encode() {
		StringBuilder text = new StringBuilder();
		this.kinds.forEach((kind, n) -> text.append("kind.").append(kind.name()).append('=').append(n).append(';'));
		this.reasons.forEach((reason, n) -> text.append("reason.").append(reason).append('=').append(n).append(';'));
		this.deltas.forEach((delta, n) -> text.append("delta.").append(delta).append('=').append(n).append(';'));
		if (this.oldestCorrected != null) {
			text.append("oldest=").append(this.oldestCorrected).append(';');
		}
		return text.toString();
	}

	/** Reads totals written by {@link #encode()}; {@code null} or empty gives none. */
	public static CorrectionTally decode(String text) {
		CorrectionTally tally = new CorrectionTally();
		if (text == null || text.isEmpty()) {
			return tally;
		}
		for (String entry : text.split(";")) {
			int eq = entry.lastIndexOf('=');
			if (eq < 0) {
				throw new IllegalArgumentException("Invalid tally entry, expected name=value: " + entry);
			}
			String name = entry.substring(0, eq);
			String value = entry.substring(eq + 1);
			if (name.equals("oldest")) {
				tally.oldestCorrected = LocalDate.parse(value);
			}
			else if (name.startsWith("kind.")) {
				tally.kinds.put(ScoreChange.Kind.valueOf(name.substring(5)), Long.parseLong(value));
			}
			else if (name.startsWith("reason.")) {
				tally.reasons.put(name.substring(7), Long.parseLong(value));
			}
			else if (name.startsWith("delta.")) {
				tally.deltas.put(name.substring(6), Long.parseLong(value));
			}
			else {
				throw new IllegalArgumentException("Invalid tally entry, unknown name: " + entry);
			}
		}
		return tally;
	}

}
