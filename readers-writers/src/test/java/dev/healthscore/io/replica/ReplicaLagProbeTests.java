package dev.healthscore.io.replica;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Where the primary's inserted WAL ends, from its insert position. */
class ReplicaLagProbeTests {

	private static final long SEGMENT = 16 * 1024 * 1024;

	private static final int PAGE = 8192;

	@Test
	void anInsertPositionInsideAPageIsWhereTheLastRecordEnds() {
		assertThat(insertedUpTo("0/3002140")).isEqualTo(WalPosition.parse("0/3002140"));
	}

	@Test
	void anInsertPositionJustPastAPageHeaderIsTheStartOfThatPage() {
		assertThat(insertedUpTo("0/3002018")).isEqualTo(WalPosition.parse("0/3002000"));
	}

	@Test
	void anInsertPositionJustPastASegmentsLongPageHeaderIsTheStartOfThatSegment() {
		assertThat(insertedUpTo("0/3000028")).isEqualTo(WalPosition.parse("0/3000000"));
		assertThat(insertedUpTo("1/0000028")).isEqualTo(WalPosition.parse("1/0"));
	}

	@Test
	void aRecordCanEndWhereOnlyTheOtherHeaderWouldEnd() {
		// 16 bytes of a record continued from the page before, after a short header
		assertThat(insertedUpTo("0/3002028")).isEqualTo(WalPosition.parse("0/3002028"));
		// on a segment's first page, whose header is the long one
		assertThat(insertedUpTo("0/3000018")).isEqualTo(WalPosition.parse("0/3000018"));
	}

	@Test
	void otherSegmentAndPageSizesAreHonoured() {
		assertThat(ReplicaLagProbe.insertedUpTo(WalPosition.parse("0/4008018"), 64 * 1024 * 1024, 32768))
			.isEqualTo(WalPosition.parse("0/4008000"));
		assertThat(ReplicaLagProbe.insertedUpTo(WalPosition.parse("0/4000028"), 64 * 1024 * 1024, 32768))
			.isEqualTo(WalPosition.parse("0/4000000"));
		assertThat(ReplicaLagProbe.insertedUpTo(WalPosition.parse("0/1000028"), 64 * 1024 * 1024, 32768))
			.isEqualTo(WalPosition.parse("0/1000028"));
	}

	private static WalPosition insertedUpTo(String insert) {
		return ReplicaLagProbe.insertedUpTo(WalPosition.parse(insert), SEGMENT, PAGE);
	}

}
