package dev.healthscore.io;

import java.io.IOException;
import java.sql.SQLException;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CausesTests {

	@Test
	void findsTheOutermostMatchAmongTheExceptionAndItsCauses() {
		SQLException inner = new SQLException("inner", "57P01");
		SQLException outer = new SQLException("outer", "08006", inner);
		RuntimeException wrapper = new IllegalStateException("wrapped", outer);
		assertThat(Causes.find(wrapper, SQLException.class::isInstance)).isSameAs(outer);
		assertThat(Causes.find(wrapper, IllegalStateException.class::isInstance)).isSameAs(wrapper);
		assertThat(Causes.anyMatch(wrapper,
				(cause) -> cause instanceof SQLException sql && "57P01".equals(sql.getSQLState())))
			.isTrue();
		assertThat(Causes.anyMatch(wrapper, IOException.class::isInstance)).isFalse();
		assertThat(Causes.find(null, (cause) -> true)).isNull();
	}

	@Test
	void aChainThatLoopsBackOnItselfEnds() {
		Exception first = new Exception("first");
		Exception second = new Exception("second", first);
		first.initCause(second);
		assertThat(Causes.anyMatch(first, IOException.class::isInstance)).isFalse();
	}

}
