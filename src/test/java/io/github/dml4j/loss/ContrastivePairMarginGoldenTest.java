package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.dml4j.miner.PairMarginMiner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Contrastive loss on pairs mined by PairMarginMiner, the benchmark's contrastive setup. */
class ContrastivePairMarginGoldenTest {

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void pairMarginMinedMatchesReference() {
        ContrastiveLoss loss = ContrastiveLoss.builder().build();
        PairMarginMiner miner = PairMarginMiner.builder().optPosMargin(0.2f).optNegMargin(0.8f).build();
        LossGoldenCheck.check(manager, "contrastive_pos0_neg1_pair_margin_mined", e -> {
            NDArray labels = LossGoldenCheck.labels(manager);
            return loss.compute(e, labels, miner.mine(e, labels));
        }, 1e-4);
    }
}
