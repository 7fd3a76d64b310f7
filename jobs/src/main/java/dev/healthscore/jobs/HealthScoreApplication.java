package dev.healthscore.jobs;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The health-score batch application: runs one job, a scheduler, or a maintenance
 * command.
 */
@SpringBootApplication
public class HealthScoreApplication {

	public static void main(String[] args) {
		System.exit(SpringApplication.exit(SpringApplication.run(HealthScoreApplication.class, args)));
	}

}
