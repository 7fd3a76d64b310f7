package dev.healthscore.jobs;

import dev.healthscore.scoring.ScoringAlgorithm;
import dev.healthscore.scoring.v1.HealthScoreV1;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The scoring algorithm the jobs use: the current version of the score definition. */
@Configuration(proxyBeanMethods = false)
public class ScoringConfiguration {

	@Bean
	ScoringAlgorithm scoringAlgorithm() {
		return new HealthScoreV1();
	}

}
