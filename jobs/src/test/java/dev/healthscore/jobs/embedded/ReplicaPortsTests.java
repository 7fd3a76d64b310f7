package dev.healthscore.jobs.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Tests for {@link ReplicaPorts}.
 */
class ReplicaPortsTests {

	@TempDir
	Path directory;

	@Test
	void readsTheKernelsRange() throws IOException {
		Path file = Files.writeString(this.directory.resolve("range"), "32768\t60999\n");
		assertThat(ReplicaPorts.ephemeralRange(file))
			.hasValueSatisfying((range) -> assertThat(range).containsExactly(32768, 60999));
	}

	@Test
	void aMissingOrGarbledRangeIsUnknown() throws IOException {
		assertThat(ReplicaPorts.ephemeralRange(this.directory.resolve("missing"))).isEmpty();
		for (String text : List.of("", "32768", "a b", "60999 32768", "0 100", "1024 70000", "1 2 3")) {
			Path file = Files.writeString(this.directory.resolve("range"), text);
			assertThat(ReplicaPorts.ephemeralRange(file)).as(text).isEmpty();
		}
	}

	@Test
	void picksAFreePortBelowTheRange() {
		List<Integer> tried = new ArrayList<>();
		Optional<Integer> port = ReplicaPorts.below(32768, (candidate) -> {
			tried.add(candidate);
			return tried.size() == 3;
		}, RandomGenerator.of("L64X128MixRandom"));
		assertThat(tried).hasSize(3).allSatisfy((candidate) -> assertThat(candidate).isBetween(20_000, 32_767));
		assertThat(port).contains(tried.get(2));
	}

	@Test
	void givesUpWhenNoPortBelowTheRangeIsFreeOrThereIsNoRoom() {
		RandomGenerator random = RandomGenerator.of("L64X128MixRandom");
		assertThat(ReplicaPorts.below(32768, (candidate) -> false, random)).isEmpty();
		assertThat(ReplicaPorts.below(1024, (candidate) -> true, random)).isEmpty();
		assertThat(ReplicaPorts.below(ReplicaPorts.LOWEST, (candidate) -> true, random)).isEmpty();
		assertThat(ReplicaPorts.below(ReplicaPorts.LOWEST + 1, (candidate) -> true, random))
			.contains(ReplicaPorts.LOWEST);
	}

	@Test
	void onLinuxTheChosenPortLiesBelowTheRangeForOutgoingConnections() throws IOException {
		Optional<int[]> range = ReplicaPorts.kernelRange();
		assumeTrue(range.isPresent() && range.get()[0] > ReplicaPorts.LOWEST + 1000,
				"no Linux port range with room below it");
		assertThat(ReplicaPorts.choose()).isBetween(ReplicaPorts.LOWEST, range.get()[0] - 1);
	}

}
