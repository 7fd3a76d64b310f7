package dev.healthscore.scoring;

/** Why a reading was rejected, with the code stored in the quarantine table. */
public enum RejectionReason {

	/** The value is NULL: the reading has no value at all. */
	NULL_VALUE("null_value"),

	/** The value is NaN or infinite. */
	NOT_FINITE("not_finite"),

	/** The value lies outside its metric's valid range. */
	OUT_OF_RANGE("out_of_range"),

	/**
	 * The reading was recorded more than one day after it was ingested (device clock
	 * skew).
	 */
	CLOCK_SKEW("clock_skew"),

	/** No user with the reading's user id exists. */
	UNKNOWN_USER("unknown_user"),

	/** The reading's user is deleted. */
	DELETED_USER("deleted_user");

	private final String code;

	RejectionReason(String code) {
		this.code = code;
	}

	/** The reason's code as stored in the quarantine table. */
	public String code() {
		return this.code;
	}

}
